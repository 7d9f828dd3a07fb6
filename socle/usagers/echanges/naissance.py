"""The birth date in the exchange formats: ONE function per direction, so that the value type (``DateLunaire``,
RNIV R-DN-02: day and/or month may be unknown, 00) is read and written here once for CSV, FHIR and HL7.

FHIR says an incomplete date with a partial ``date`` (``1962``, ``1962-05``); HL7 v2 DTM with fewer digits
(``1962``, ``196205``); the CSV of a DUI with ``00`` (``00/00/1962``), as Socle's screens do."""

from __future__ import annotations

import re
from datetime import date, datetime

from socle.core.naissance import DateLunaire, DateLunaireInvalide

FORMES = ("iso", "hl7", "fr")


class DateIllisible(ValueError):
    """The text is not a birth date in any accepted form; the message is French."""


_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")  # FHIR date: AAAA, AAAA-MM, AAAA-MM-JJ
_HL7 = re.compile(r"^(\d{4})(\d{2})?(\d{2})?(?:\d{2,6}(?:\.\d+)?)?(?:[+-]\d{4})?$")  # DTM
_FR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def lire_date_naissance(valeur: object, format_date: str = "%d/%m/%Y") -> DateLunaire:
    """A birth date read from a DUI: FHIR ``date`` (partial allowed), HL7 DTM (YYYY, YYYYMM, YYYYMMDD…), French
    JJ/MM/AAAA (00 allowed), an XLSX date cell, or `format_date` (the ESMS's CSV mapping). A known day needs a
    known month and a complete date must exist in the calendar [R-DN-02]."""
    if isinstance(valeur, datetime):
        return DateLunaire.lire(valeur.date())
    if isinstance(valeur, date | DateLunaire):
        return DateLunaire.lire(valeur)
    texte = str(valeur or "").strip()
    if not texte:
        raise DateIllisible("date de naissance absente (règle R-DN-01)")
    parties = None
    for motif, ordre in ((_ISO, (1, 2, 3)), (_HL7, (1, 2, 3)), (_FR, (3, 2, 1))):
        m = motif.match(texte)
        if m:
            parties = [int(m.group(i) or 0) for i in ordre]
            break
    if parties is None:
        try:
            return DateLunaire.lire(datetime.strptime(texte, format_date).date())
        except ValueError:
            raise DateIllisible(f"date de naissance illisible « {texte[:30]} » : attendu JJ/MM/AAAA (00 admis), "
                                "AAAA-MM-JJ ou AAAAMMJJ") from None
    try:
        d = DateLunaire(*parties)
    except DateLunaireInvalide as exc:
        raise DateIllisible(f"date de naissance « {texte[:30]} » : {exc}") from None
    if d.day and not d.month:
        raise DateIllisible(f"date de naissance « {texte[:30]} » : un jour connu demande un mois connu "
                            "(règle R-DN-02)")
    if d.day and d.month and d.reelle is None:
        raise DateIllisible(f"date de naissance impossible « {texte[:30]} » (ce jour n'existe pas au calendrier)")
    return d


def ecrire_date_naissance(d: DateLunaire | date, forme: str, format_date: str = "%d/%m/%Y") -> str:
    """A birth date as a format writes it: "iso" (FHIR, partial when incomplete), "hl7" (DTM, YYYY / YYYYMM /
    YYYYMMDD), "fr" (the CSV, in the ESMS's `format_date`, 00 kept)."""
    d = DateLunaire.lire(d)
    if forme == "iso":
        if not d.month:
            return f"{d.year:04d}"
        return f"{d.year:04d}-{d.month:02d}" if not d.day else d.isoformat()
    if forme == "hl7":
        return f"{d.year:04d}" + (f"{d.month:02d}" if d.month else "") + (f"{d.day:02d}" if d.month and d.day
                                                                          else "")
    if forme == "fr":
        return format(d, format_date)
    raise ValueError(forme)
