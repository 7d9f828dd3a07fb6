from django.apps import AppConfig


class PersonnelConfig(AppConfig):
    name = "socle.personnel"
    label = "personnel"
    verbose_name = "Personnel et RPPS+"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
