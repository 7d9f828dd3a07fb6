from django.apps import AppConfig


class PersonnelConfig(AppConfig):
    name = "socle.personnel"
    label = "personnel"
    verbose_name = "Personnel et RPPS+"
