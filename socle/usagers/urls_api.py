from django.urls import path

from .views import api

app_name = "api_fhir"
urlpatterns = [
    path("Patient", api.patients, name="patients"),
    path("Patient/<str:ident>", api.patient, name="patient"),
]
