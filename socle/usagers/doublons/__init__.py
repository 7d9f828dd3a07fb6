"""Moteur de détection des doublons probables d'identités (identitovigilance), sans base de données.

Usage: ``detecter([IdentiteCandidate(...), ...])`` → ``list[PaireProbable]`` sorted by score.
"""

from .engine import SEUIL_DEFAUT, IdentiteCandidate, PaireProbable, comparer, detecter
from .phonetique import cle_phonetique, normaliser

__all__ = [
    "SEUIL_DEFAUT",
    "IdentiteCandidate",
    "PaireProbable",
    "cle_phonetique",
    "comparer",
    "detecter",
    "normaliser",
]
