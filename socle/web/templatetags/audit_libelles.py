"""Shows the stored "app.Model" type of an audit line as its French name (« professionnel ») for the reader."""

from django import template
from django.apps import apps

register = template.Library()


@register.filter
def type_lisible(objet_type: str) -> str:
    try:
        return str(apps.get_model(objet_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return objet_type
