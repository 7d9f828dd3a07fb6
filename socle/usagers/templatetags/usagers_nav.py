"""Sub-menu of the usagers screens showing only the links the signed-in person may open (no dead 403 links)."""

from django import template

from socle.comptes import rights

register = template.Library()


@register.simple_tag(takes_context=True)
def droits_usagers(context) -> dict:
    peut = context.get("socle_capacites")  # computed once per page by socle.web.context_processors
    if peut is None:
        peut = rights.capacites(context["request"].user)
    return {"dossier": "dossiers_usagers" in peut, "lot": "lots_ins" in peut,
            "echanges": "echanges_dui" in peut}
