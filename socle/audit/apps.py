from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "socle.audit"
    label = "audit"
    verbose_name = "Journal d'accès"

    def ready(self) -> None:
        from . import services  # noqa: F401  (connects the login signals)
