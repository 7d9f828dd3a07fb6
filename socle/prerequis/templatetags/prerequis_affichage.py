"""Filters giving the templates the look of a step's status, from socle.prerequis.affichage (defined once)."""

from django import template

from socle.prerequis import affichage
from socle.prerequis.models import Statut

register = template.Library()


@register.filter
def badge_etape(statut: str) -> str:
    return affichage.badge(statut)


@register.filter
def libelle_etape(statut: str) -> str:
    """The status label of the models (anything unknown reads as a step still to do)."""
    return Statut(statut).label if statut in Statut.values else Statut.A_FAIRE.label


@register.filter
def couleur_etape(statut: str) -> str:
    return affichage.couleur_barre(statut)


@register.filter
def style_cellule(cellule: dict) -> str:
    return affichage.style_cellule(cellule["statut"], cellule["retard"], cellule["bloquee"])
