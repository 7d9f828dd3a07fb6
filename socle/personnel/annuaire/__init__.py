"""Reconciliation of the staff file with the public Annuaire Santé extract (issue 4, item 6).

Pure Python, no Django: `lire_annuaire` streams the ANS file, `rapprocher` sorts the staff into already
registered / to review / missing and lists the leavers; `synthetique.generer` writes test files.
"""

from .engine import (
    AnnuaireInvalide,
    FicheAgent,
    LigneAnnuaire,
    Rapprochement,
    lire_annuaire,
    rapprocher,
    score,
)

__all__ = [
    "AnnuaireInvalide",
    "FicheAgent",
    "LigneAnnuaire",
    "Rapprochement",
    "lire_annuaire",
    "rapprocher",
    "score",
]
