from django.urls import path

from . import views

app_name = "pilotage"
urlpatterns = [
    path("", views.index, name="index"),
    path("grappe/<int:pk>/", views.grappe, name="grappe"),
    path("esms/<str:finess>/", views.etablissement, name="etablissement"),
]
