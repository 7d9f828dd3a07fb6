"""Countries by their French name, for the issuing country of an identity document [R-DOC-01].

Read from `pycountry` (ISO 3166-1 and its French translation, maintained with the standard), never typed as a
code nor defaulted: the person at the desk picks the country written on the document."""

from __future__ import annotations

import gettext
from functools import cache

import pycountry

from socle.core.texte import sans_accents


@cache
def choix_pays() -> list[tuple[str, str]]:
    """(ISO alpha-2, French name) sorted by name as a French reader expects (accents ignored)."""
    fr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)
    pays = [(p.alpha_2, fr.gettext(getattr(p, "common_name", None) or p.name)) for p in pycountry.countries]
    return sorted(pays, key=lambda c: sans_accents(c[1]).upper())


def nom_pays(code: str) -> str:
    """The French name of an ISO alpha-2 code ('' if unknown)."""
    return dict(choix_pays()).get((code or "").upper(), "")
