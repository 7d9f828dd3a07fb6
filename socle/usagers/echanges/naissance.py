"""The birth date in the exchange formats: ONE function per direction, so that a change of the birth-date value
type (RNIV R-DN-02, incomplete dates) is made here once for CSV, FHIR and HL7."""

from __future__ import annotations

import re
from datetime import date, datetime

FORMES = ("iso", "hl7", "fr")


class DateIllisible(ValueError):
    """The text is not a birth date in any accepted form; the message is French."""


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_HL7 = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\d{0,6}(?:\.\d+)?(?:[+-]\d{4})?)?$")
_FR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def lire_date_naissance(valeur: object, format_date: str = "%d/%m/%Y") -> date:
    """A birth date read from a DUI: FHIR `date` (AAAA-MM-JJ), HL7 DTM (AAAAMMJJ[hhmm…]), French JJ/MM/AAAA, an
    XLSX date cell, or `format_date` (the ESMS's CSV mapping). Partial dates (AAAA, AAAA-MM) are refused until
    Socle stores them (R-DN-02)."""
    if isinstance(valeur, datetime):
        return valeur.date()
    if isinstance(valeur, date):
        return valeur
    texte = str(valeur or "").strip()
    if not texte:
        raise DateIllisible("date de naissance absente (règle R-DN-01)")
    for motif, ordre in ((_ISO, (1, 2, 3)), (_HL7, (1, 2, 3)), (_FR, (3, 2, 1))):
        m = motif.match(texte)
        if m:
            a, mo, j = (int(m.group(i)) for i in ordre)
            if mo == 0 or j == 0:
                raise DateIllisible(
                    f"date de naissance incomplète « {texte} » (jour ou mois inconnu) : Socle ne "
                    "l'enregistre pas encore (règle R-DN-02)"
                )
            try:
                return date(a, mo, j)
            except ValueError:
                raise DateIllisible(f"date de naissance impossible « {texte} »") from None
    if re.fullmatch(r"\d{4}(-?\d{2})?", texte):
        raise DateIllisible(
            f"date de naissance incomplète « {texte} » : Socle ne l'enregistre pas encore (règle R-DN-02)"
        )
    try:
        return datetime.strptime(texte, format_date).date()
    except ValueError:
        raise DateIllisible(
            f"date de naissance illisible « {texte[:30]} » : attendu JJ/MM/AAAA, AAAA-MM-JJ ou AAAAMMJJ"
        ) from None


def ecrire_date_naissance(d: date, forme: str, format_date: str = "%d/%m/%Y") -> str:
    """A birth date as a format writes it: "iso" (FHIR), "hl7" (DTM AAAAMMJJ), "fr" (the CSV, in the ESMS's
    `format_date`)."""
    if forme == "iso":
        return d.isoformat()
    if forme == "hl7":
        return d.strftime("%Y%m%d")
    if forme == "fr":
        return d.strftime(format_date)
    raise ValueError(forme)
