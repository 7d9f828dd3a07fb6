from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "socle.organisations"
    label = "organisations"
    verbose_name = "Organisations et FINESS"
