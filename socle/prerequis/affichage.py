"""How a prerequisite step's status looks on every screen: its badge (lists, the step page), its cell in the
grappe matrix, its bar on the OG's timeline. Defined here only; templates read it through the filters of
`prerequis_affichage`.

The colours follow socle.css: green when done, amber when in progress, red when late, grey when waiting."""

from __future__ import annotations

from . import rules

BADGES = {rules.FAIT: "ok", rules.EN_COURS: "attention", rules.NON_APPLICABLE: "info"}  # à faire: a plain badge
FONDS = {rules.FAIT: "#e3f4e8", rules.EN_COURS: "#fff4d6"}  # matrix cells: light, the letter stays readable
BARRES = {rules.FAIT: "#2e8b57", rules.EN_COURS: "#e6a23c"}  # timeline bars
BARRE_A_FAIRE = "#aab4be"
FOND_RETARD = "#fde2e1"
TEXTE_BLOQUEE = "#5c6370"  # grey, yet 6:1 on white (WCAG AA); the 🔒 icon tells it too


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
