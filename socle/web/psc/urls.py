from django.urls import path

from . import views

app_name = "psc"
urlpatterns = [
    path("", views.connexion, name="connexion"),
    path("retour/", views.retour, name="retour"),
    path("situation/", views.situation, name="situation"),
]
