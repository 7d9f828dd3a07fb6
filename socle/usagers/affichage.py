"""How the four RNIV identity statuses look on every screen (usagers, pilotage): one label, one colour and one
badge each, defined here only, so that a status reads the same wherever it is shown.

The labels are RNIV's own (`rniv.LIBELLES`, rule R-AF-01). The colours follow the badges of socle.css: red for a
provisional identity, teal for a recovered one, amber for a validated one, green for a qualified one."""

from __future__ import annotations

from socle.core import couleurs

from . import rniv

COULEURS = {rniv.PROV: couleurs.ROUGE, rniv.RECUP: couleurs.SARCELLE, rniv.VALI: couleurs.AMBRE,
            rniv.QUAL: couleurs.VERT}
BADGES = {rniv.PROV: "alerte", rniv.RECUP: "info", rniv.VALI: "attention", rniv.QUAL: "ok"}
COULEUR_INCONNUE = couleurs.INCONNU


def couleur(statut: str) -> str:
    return COULEURS.get(statut, COULEUR_INCONNUE)


def badge(statut: str) -> str:
    """The CSS class of the status badge (`.badge.ok`…); an unknown status is shown as an alert."""
    return BADGES.get(statut, "alerte")


def statuts() -> list[dict[str, str]]:
    """The four statuses in RNIV order, each with its code, label, colour and badge (legends of the charts)."""
    return [{"code": s, "libelle": rniv.LIBELLES[s], "couleur": COULEURS[s], "badge": BADGES[s]}
            for s in rniv.STATUTS]
