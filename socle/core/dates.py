"""Dates typed and shown dd/mm/yyyy whatever the browser's language.

A native `<input type="date">` follows the browser locale (an en-US browser shows and expects mm/dd/yyyy): at an
admission desk that is an identity error waiting to happen. Every date of Socle is therefore a text input read
here, with one French message naming the expected form."""

from __future__ import annotations

import re
from datetime import date

from django import forms

FORMAT = "%d/%m/%Y"
INDICATION = "JJ/MM/AAAA"
_DATE_RE = re.compile(r"^\s*(\d{1,2})[/.\-\s](\d{1,2})[/.\-\s](\d{4})\s*$")
_COMPACTE_RE = re.compile(r"^\s*(\d{2})(\d{2})(\d{4})\s*$")
_ISO_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


class DateInvalide(ValueError):
    """A date that is not dd/mm/yyyy or does not exist; the message is French and names the expected form."""


def lire_date(texte: str, champ: str = "date") -> date:
    """'05/03/1941' (also 5/3/1941, 05-03-1941, 05031941) -> date(1941, 3, 5). The day always comes first; the
    only other form read is ISO 1941-03-05 (year first, so never ambiguous), what scripts and links send."""
    iso = _ISO_RE.match(texte or "")
    m = _DATE_RE.match(texte or "") or _COMPACTE_RE.match(texte or "")
    if iso:
        annee, mois, jour = (int(g) for g in iso.groups())
    elif m:
        jour, mois, annee = (int(g) for g in m.groups())
    else:
        raise DateInvalide(
            f"{champ.capitalize()} « {texte} » : format attendu {INDICATION} (ex. 05/03/1941)."
        )
    try:
        return date(annee, mois, jour)
    except ValueError:
        raise DateInvalide(
            f"{champ.capitalize()} « {texte} » : cette date n'existe pas (jour {jour:02d}, mois {mois:02d})."
        ) from None


def lire_date_optionnelle(texte: str, champ: str = "date") -> date | None:
    """As `lire_date`, an empty text giving None (filters of a search screen)."""
    return lire_date(texte, champ) if (texte or "").strip() else None


def afficher_date(d: date | None) -> str:
    return d.strftime(FORMAT) if d else ""


class DateTexteInput(forms.TextInput):
    """A text input for a dd/mm/yyyy date: numeric keyboard, placeholder and pattern, never a native picker."""

    def __init__(self, attrs: dict | None = None):
        base = {
            "placeholder": INDICATION,
            "inputmode": "numeric",
            "autocomplete": "off",
            "size": "10",
            "maxlength": "10",
            "pattern": r"\d{1,2}/\d{1,2}/\d{4}",
            "title": f"Date au format {INDICATION}",
        }
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, date):
            return value.strftime(FORMAT)
        return super().format_value(value)


class DateFrField(forms.DateField):
    """A DateField read and shown dd/mm/yyyy (see module docstring); errors name the field and the format."""

    widget = DateTexteInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value
        try:
            return lire_date(str(value), str(self.label or "date"))
        except DateInvalide as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
