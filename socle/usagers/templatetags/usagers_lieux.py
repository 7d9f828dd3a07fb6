"""`{{ code|lieu }}`: a birthplace code shown with its name (INSEE COG), on every screen that shows one."""

from django import template

from socle.referentiels import cog

register = template.Library()


@register.filter
def lieu(code: str) -> str:
    return cog.libelle(code)
