from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrerequisConfig(AppConfig):
    name = "socle.prerequis"
    label = "prerequis"
    verbose_name = _("Prérequis Ségur")
