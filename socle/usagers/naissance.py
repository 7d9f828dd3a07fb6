"""Birth dates of usagers, stored as given (lunar dates included) [RNIV R-DN-02].

The value type is ``socle.core.naissance.DateLunaire`` (see its docstring). This module holds its Django
plumbing:

- ``DateLunaireField``: a model field kept as the ISO text ``AAAA-MM-JJ`` (``00`` allowed) in a 10-character
  column, read back as a ``DateLunaire``. Lookups accept a ``DateLunaire``, a ``date`` or the text; the column
  sorts like the value (0 before 1).
- ``ChampDateNaissance``: the form field a person types in, ``JJ/MM/AAAA`` whatever the browser's language
  (a text input, never a native date input), ``00`` allowed for an unknown day or month, refused if in the future.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from socle.core.naissance import DateLunaire, DateLunaireInvalide, parse_saisie

__all__ = ["ChampDateNaissance", "DateLunaire", "DateLunaireField", "erreur_future"]


def erreur_future(d: DateLunaire, aujourd_hui: date | None = None) -> str | None:
    """[R-DN-01] not in the future: even the earliest day a lunar date may stand for is after today."""
    if d.plus_tot() > (aujourd_hui or date.today()):
        return f"La date de naissance {d} ne peut pas être dans le futur (règle R-DN-01)."
    return None


class DateLunaireField(models.CharField):
    """A birth date stored as given: ``AAAA-MM-JJ`` text, read as a ``DateLunaire``."""

    description = "Date de naissance (AAAA-MM-JJ, 00 admis)"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 10)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == 10:
            del kwargs["max_length"]
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return None
        return DateLunaire.lire(value)

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return DateLunaire.lire(value)
        except DateLunaireInvalide as exc:
            raise ValidationError(str(exc), code="invalid") from None

    def get_prep_value(self, value):
        if value in (None, ""):
            return value
        if isinstance(value, DateLunaire | date | str):
            try:
                return DateLunaire.lire(value).isoformat()
            except DateLunaireInvalide:
                return str(value)  # a lookup on unreadable text simply matches nothing
        return super().get_prep_value(value)

    def value_to_string(self, obj):
        v = self.value_from_object(obj)
        return v.isoformat() if v else ""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": ChampDateNaissance, **kwargs})


class ChampDateNaissance(forms.CharField):
    """JJ/MM/AAAA typed in a text box; 00 allowed for an unknown day or month [R-DN-01][R-DN-02]."""

    def __init__(self, *args, **kwargs):
        kwargs.pop("max_length", None)
        kwargs.setdefault("label", "Date de naissance")
        kwargs.setdefault("help_text", "JJ/MM/AAAA ; 00 pour un jour ou un mois inconnu (ex. 00/00/1962).")
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "placeholder": "JJ/MM/AAAA",
                    "inputmode": "numeric",
                    "autocomplete": "off",
                    "pattern": r"\d{2}/\d{2}/\d{4}|\d{4}-\d{2}-\d{2}",
                    "size": 10,
                }
            ),
        )
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, DateLunaire | date):
            return DateLunaire.lire(value).affichage()
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            d = parse_saisie(value)
        except DateLunaireInvalide as exc:
            raise ValidationError(str(exc), code="invalid") from None
        err = erreur_future(d)
        if err:
            raise ValidationError(err, code="futur")
        return d
