"""How a prerequisite step's status looks on every screen: its badge (lists, the step page), its cell in the
grappe matrix, its bar on the OG's timeline. Defined here only; templates read it through the filters of
`prerequis_affichage`.

The colours follow socle.css: green when done, amber when in progress, red when late, grey when waiting."""

from __future__ import annotations

from socle.core import couleurs

from . import rules

BADGES = {rules.FAIT: "ok", rules.EN_COURS: "attention", rules.NON_APPLICABLE: "info"}  # à faire: a plain badge
# The shared palette (socle.core.couleurs): done is the green of a qualified identity, in progress the amber of
# a validated one, late the red of a provisional one.
FONDS = {rules.FAIT: couleurs.VERT_FOND, rules.EN_COURS: couleurs.AMBRE_FOND}  # matrix cells: the letter stays readable
BARRES = {rules.FAIT: couleurs.VERT, rules.EN_COURS: couleurs.AMBRE}  # timeline bars
BARRE_A_FAIRE = couleurs.GRIS
FOND_RETARD = couleurs.ROUGE_FOND
TEXTE_BLOQUEE = couleurs.GRIS_TEXTE  # the 🔒 icon tells it too


def badge(statut: str) -> str:
    """The CSS class added to `.badge` for this status ("" for a step still to do)."""
    return BADGES.get(statut, "")


def couleur_barre(statut: str) -> str:
    return BARRES.get(statut, BARRE_A_FAIRE)


def style_cellule(statut: str, retard: bool = False, bloquee: bool = False) -> str:
    """Inline style of a matrix cell: late first, then blocked, then by status."""
    if retard:
        return f"background:{FOND_RETARD}"
    if bloquee:
        return f"color:{TEXTE_BLOQUEE}"
    fond = FONDS.get(statut)
    return f"background:{fond}" if fond else ""
