"""Moteur de détection des doublons probables d'identités (identitovigilance), sans base de données.

Usage (e.g. for the usagers of one OG)::

    paires = detecter(
        IdentiteCandidate(cle=str(u.pk), nom_naissance=u.nom_naissance, prenoms=("JEAN", "PIERRE"),
                          date_naissance=u.date_naissance, sexe=u.sexe, lieu_naissance=u.lieu_naissance,
                          nom_utilise=u.nom_utilise)
        for u in usagers
    )  # → list[PaireProbable], best score first; motifs in French, "value of cle_a/value of cle_b"
    groupes = regrouper(paires)  # A~B, B~C → [[A, B, C]]

``prenoms`` may also be a 1-tuple holding the space-separated list; ``date_naissance`` may be a string
"AAAA-MM-JJ" with 00 for an unknown day/month (RNIV R-DN-02). Raw typed traits are accepted: the engine
normalises them (R-FMT-01).
"""

from .engine import SEUIL_DEFAUT, IdentiteCandidate, PaireProbable, comparer, detecter, regrouper
from .phonetique import cle_phonetique, normaliser

__all__ = [
    "SEUIL_DEFAUT",
    "IdentiteCandidate",
    "PaireProbable",
    "cle_phonetique",
    "comparer",
    "detecter",
    "normaliser",
    "regrouper",
]
