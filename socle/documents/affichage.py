"""How a document's status looks on every screen (usager's documents, ESMS queue): one badge each, defined here.

Grey-blue for work in progress, green once the DMP accepted it, amber while it waits for the DMP, red when
rejected; a replaced or deleted version is neutral."""

from __future__ import annotations

from .models import Statut

BADGES = {
    Statut.BROUILLON: "",
    Statut.VALIDE: "info",
    Statut.ENVOYE: "attention",
    Statut.ACCEPTE: "ok",
    Statut.REJETE: "alerte",
    Statut.MASQUE: "ok",
    Statut.REMPLACE: "",
    Statut.SUPPRIME: "",
}
# The ESMS queue: which statuses go in which column.
EN_ATTENTE = (Statut.BROUILLON, Statut.VALIDE)
ENVOYES = (Statut.ENVOYE, Statut.ACCEPTE, Statut.MASQUE)
REJETES = (Statut.REJETE,)


def badge(statut: str) -> str:
    return BADGES.get(statut, "alerte")
