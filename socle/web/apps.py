from django.apps import AppConfig


class WebConfig(AppConfig):
    """The web and shell layer: home page, navigation, the screens of the lower layers (organisations, access
    journal), the demo. It may import every app; no app imports it."""

    name = "socle.web"
    label = "web"
    verbose_name = "Socle"
