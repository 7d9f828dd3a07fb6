"""Sub-menu of the usagers screens showing only the links the signed-in person may open (no dead 403 links)."""

from django import template

from socle.comptes import rights

register = template.Library()


@register.simple_tag(takes_context=True)
def droits_usagers(context) -> dict:
    from socle.usagers.views._commun import FONCTIONS_DOSSIER, FONCTIONS_LOT

    user = context["request"].user
    return {"dossier": rights.etablissements_visibles(user, fonctions=FONCTIONS_DOSSIER).exists(),
            "lot": rights.etablissements_visibles(user, fonctions=FONCTIONS_LOT).exists()}
