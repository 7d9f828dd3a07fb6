from django.urls import path  # noqa: F401

app_name = "prerequis"
urlpatterns: list = []
