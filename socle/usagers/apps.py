from django.apps import AppConfig


class UsagersConfig(AppConfig):
    name = "socle.usagers"
    label = "usagers"
    verbose_name = "Usagers et INS"
