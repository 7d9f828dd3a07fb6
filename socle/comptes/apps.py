from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComptesConfig(AppConfig):
    name = "socle.comptes"
    label = "comptes"
    verbose_name = _("Comptes et habilitations")
