from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("sante/", views.sante, name="sante"),
]
