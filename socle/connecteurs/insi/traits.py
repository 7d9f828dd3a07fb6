"""Formatting of the traits sent to INSi (CNAM practice seen in public clients): upper case, no diacritics,
ligatures and typographic apostrophes transliterated, single spaces. Shared by the client and the stand-in.
"""

import re

from socle.core.texte import sans_accents

_LIGATURES = str.maketrans(
    {
        "Æ": "AE",
        "æ": "AE",
        "Œ": "OE",
        "œ": "OE",
        "ß": "SS",
        "Ø": "O",
        "ø": "O",
        "Ð": "D",
        "ð": "D",
        "Þ": "TH",
        "þ": "TH",
        "Ł": "L",
        "ł": "L",
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "´": "'",
        "`": "'",
        "‐": "-",
        "‑": "-",
        "–": "-",
        "—": "-",
    }
)
_AUTORISES = re.compile(r"[^A-Z0-9 '\-]")


def normaliser(texte: str) -> str:
    """'de l’Œuvre-Hélène ' -> "DE L'OEUVRE-HELENE": what INSi expects for a name or a first name."""
    texte = sans_accents((texte or "").translate(_LIGATURES)).upper()
    texte = _AUTORISES.sub(" ", texte)
    texte = re.sub(r"\s*-\s*", "-", texte)
    texte = re.sub(r"\s*'\s*", "'", texte)
    return re.sub(r"\s+", " ", texte).strip()


def normaliser_prenoms(prenoms) -> tuple[str, ...]:
    """Birth first names in order, each normalised; empty ones dropped. Accepts a list or a string
    ("JEAN PIERRE" or "JEAN, PIERRE")."""
    if isinstance(prenoms, str):
        prenoms = re.split(r"[,\s]+", prenoms)
    return tuple(p for p in (normaliser(x) for x in prenoms) if p)
