from django.apps import AppConfig


class PrerequisConfig(AppConfig):
    name = "socle.prerequis"
    label = "prerequis"
    verbose_name = "Prérequis Ségur"
