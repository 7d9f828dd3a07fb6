from django.apps import AppConfig


class PilotageConfig(AppConfig):
    name = "socle.pilotage"
    label = "pilotage"
    verbose_name = "Pilotage"
