from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "socle.audit"
    label = "audit"
    verbose_name = _("Journal d'accès")

    def ready(self) -> None:
        from . import services  # noqa: F401  (connects the login signals)
