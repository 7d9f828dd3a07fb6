"""Name normalisation and blocking keys for matching HR identities against the Annuaire Santé.

The Annuaire holds the nom/prénom d'exercice, written by whoever registered the person (uppercase or not,
accents or not, hyphens or spaces in compound names, particle kept or dropped). HR files hold the nom de
naissance, the nom d'usage and the birth first names. Both sides are reduced to the same comparable forms.
"""

from __future__ import annotations

import re
from functools import lru_cache

import jellyfish

from socle.core.texte import sans_accents

# "DE"/"D'"/"DU"/"DES" particles: compared with and without them ("D'ALEMBERT" = "ALEMBERT",
# while "DU PONT" = "DUPONT" is kept by the form that keeps them).
PARTICULES = frozenset({"DE", "D", "DU", "DES"})

_LIGATURES = str.maketrans({"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss", "Ø": "O", "ø": "o", "Ł": "L", "ł": "l"})
_NON_LETTRES = re.compile(r"[^A-Z0-9]+")


@lru_cache(maxsize=1 << 15)
def normaliser(texte: str) -> str:
    """Uppercase, no accents, every run of hyphens/apostrophes/spaces/punctuation → one space."""
    if not texte:
        return ""
    texte = sans_accents(texte.translate(_LIGATURES)).upper()
    return _NON_LETTRES.sub(" ", texte).strip()


@lru_cache(maxsize=1 << 16)
def formes(texte: str) -> tuple[str, ...]:
    """Compact forms of a name, most faithful first, without duplicates.

    "Martin-Dupont" → ("MARTINDUPONT", "DUPONTMARTIN"); "de la Fontaine" → ("DELAFONTAINE", "LAFONTAINE");
    "Fontaine (de la)" → ("FONTAINEDELA", "FONTAINELA", "DELAFONTAINE", "LAFONTAINE"...).
    """
    jetons = normaliser(texte).split()
    if not jetons:
        return ()
    sans = [j for j in jetons if j not in PARTICULES] or jetons
    vues: dict[str, None] = {}
    for liste in (jetons, sans, sorted(jetons), sorted(sans)):
        vues["".join(liste)] = None
    return tuple(vues)


@lru_cache(maxsize=1 << 15)
def jetons_significatifs(texte: str) -> tuple[str, ...]:
    """Tokens of a compound name without particles ("MARTIN DUPONT" → ("MARTIN", "DUPONT"))."""
    jetons = normaliser(texte).split()
    return tuple(j for j in jetons if j not in PARTICULES and len(j) > 1) or tuple(jetons)


@lru_cache(maxsize=1 << 16)
def phonetique(forme: str) -> str:
    """Soundex of a compact form: coarse on purpose (blocking key robust to one typo after the first letter)."""
    return jellyfish.soundex(forme) if forme else ""


@lru_cache(maxsize=1 << 16)
def cles_nom(texte: str) -> tuple[str, ...]:
    """Phonetic keys of a surname: its whole compact forms and each significant token of a compound name."""
    cles = {phonetique(f) for f in formes(texte)}
    jetons = jetons_significatifs(texte)
    if len(jetons) > 1:
        cles.update(phonetique(j) for j in jetons)
    cles.discard("")
    return tuple(sorted(cles))


@lru_cache(maxsize=1 << 14)
def cles_prenom(texte: str) -> tuple[str, ...]:
    """Phonetic keys of a first name: whole compact form and first token ("JEAN PIERRE" → JEANPIERRE, JEAN)."""
    fs = formes(texte)
    if not fs:
        return ()
    cles = {phonetique(fs[0])}
    jetons = normaliser(texte).split()
    if len(jetons) > 1:
        cles.add(phonetique(jetons[0]))
    return tuple(sorted(cles))


def cles_identite(noms: tuple[str, ...] | list[str], prenoms: tuple[str, ...] | list[str]) -> set[str]:
    """Blocking keys of an identity: every (surname key, first-name key) pair."""
    cles_n = {c for n in noms if n for c in cles_nom(n)}
    cles_p = {c for p in prenoms if p for c in cles_prenom(p)}
    return {f"{n}|{p}" for n in cles_n for p in cles_p}
