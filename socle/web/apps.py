from django.apps import AppConfig


class WebConfig(AppConfig):
    """The web and shell layer: home page, navigation, the screens of the lower layers (organisations, access
    journal), the demo. It may import every app; no app imports it."""

    name = "socle.web"
    label = "web"
    verbose_name = "Socle"

    def ready(self) -> None:
        from socle.comptes.views import SORTIES_EXTERNES

        from .psc.views import sortie_psc

        if sortie_psc not in SORTIES_EXTERNES:
            SORTIES_EXTERNES.append(sortie_psc)
