"""Birth dates as INSi and the RNIPP give them: possibly "lunar" (day and/or month ``00``) [RNIV R-DN-02].

The CNAM INSi schema types the birth date ``DateLunaire`` (``AAAA-MM-JJ``, ``00`` allowed for an unknown day or
month, e.g. ``1962-00-00`` for someone born abroad whose birth act only gives the year). Such a date is an
identity trait: it is stored and shown exactly as given, never rewritten to 01/01 or 31/12.

API (kernel, no Django, usable by connectors and apps alike):

- ``DateLunaire(annee, mois, jour)``: an immutable value; ``mois``/``jour`` may be 0 (unknown).
  ``DateLunaire.lire(valeur)`` accepts a ``DateLunaire``, a ``datetime.date``, ``"AAAA-MM-JJ"`` or
  ``"JJ/MM/AAAA"`` (``00`` allowed) and raises ``DateLunaireInvalide`` (a ``ValueError``, French message).
- ``.isoformat()`` → ``"1962-00-00"`` (storage, INSi, JSON); ``str()`` / ``.affichage()`` → ``"00/00/1962"``
  (screens, always JJ/MM/AAAA); ``.year/.month/.day`` (0 when unknown), so Django's ``|date:"d/m/Y"`` shows it.
- ``.reelle``: the calendar ``date`` when day and month are known (and exist), else ``None``; ``.lunaire`` is
  the opposite. ``.plus_tot()`` / ``.plus_tard()``: the earliest / latest calendar day it may stand for (ages,
  "not in the future").
- Ordering and equality follow ``(année, mois, jour)`` with 0 first: ``00/00/1962`` < ``01/01/1962``, the same
  order as the ISO text, so a database column holding ``isoformat()`` sorts the same way. A complete date
  equals (and hashes like) the matching ``datetime.date``.
- ``parse_saisie(texte)``: what a person typed (``JJ/MM/AAAA``, ``00`` allowed), stricter than what INSi may
  return: a known day needs a known month and a complete date must exist in the calendar.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from functools import total_ordering

__all__ = ["DateLunaire", "DateLunaireInvalide", "parse_saisie"]

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


class DateLunaireInvalide(ValueError):
    """A birth date that cannot be read; the message is French and says the expected form."""


@total_ordering
class DateLunaire:
    """A birth date whose day and/or month may be unknown (0), stored and shown as given."""

    __slots__ = ("year", "month", "day")

    def __init__(self, annee: int, mois: int = 0, jour: int = 0):
        annee, mois, jour = int(annee), int(mois), int(jour)
        if not 1 <= annee <= 9999:
            raise DateLunaireInvalide(f"Année de naissance « {annee} » impossible.")
        if not 0 <= mois <= 12:
            raise DateLunaireInvalide(
                f"Mois de naissance « {mois:02d} » impossible (01 à 12, ou 00 s'il est inconnu)."
            )
        if not 0 <= jour <= 31:
            raise DateLunaireInvalide(
                f"Jour de naissance « {jour:02d} » impossible (01 à 31, ou 00 s'il est inconnu)."
            )
        object.__setattr__(self, "year", annee)
        object.__setattr__(self, "month", mois)
        object.__setattr__(self, "day", jour)

    def __setattr__(self, name, value):
        raise AttributeError("DateLunaire est immuable")

    def __reduce__(self):
        return (DateLunaire, (self.year, self.month, self.day))

    # --- reading -------------------------------------------------------------------------------------------
    @classmethod
    def lire(cls, valeur: DateLunaire | date | str) -> DateLunaire:
        """From a DateLunaire, a date, ``AAAA-MM-JJ`` or ``JJ/MM/AAAA`` (00 allowed). Anything else: error."""
        if isinstance(valeur, DateLunaire):
            return valeur
        if isinstance(valeur, date):
            return cls(valeur.year, valeur.month, valeur.day)
        texte = str(valeur or "").strip()
        m = _ISO.match(texte)
        if m:
            return cls(*m.groups())
        m = _FR.match(texte)
        if m:
            j, mo, a = m.groups()
            return cls(a, mo, j)
        raise DateLunaireInvalide(
            f"Date de naissance « {texte[:20]} » illisible : attendu JJ/MM/AAAA (00 admis pour un jour ou un mois "
            "inconnu, ex. 00/00/1962)."
        )

    # --- what it means -------------------------------------------------------------------------------------
    @property
    def reelle(self) -> date | None:
        """The calendar date, only when day and month are known and the day exists."""
        if not self.month or not self.day:
            return None
        try:
            return date(self.year, self.month, self.day)
        except ValueError:
            return None

    @property
    def lunaire(self) -> bool:
        return self.reelle is None

    def plus_tot(self) -> date:
        """Earliest calendar day this date may stand for."""
        return date(self.year, self.month or 1, min(self.day or 1, self._dernier_jour(self.month or 1)))

    def plus_tard(self) -> date:
        """Latest calendar day this date may stand for."""
        mois = self.month or 12
        return date(self.year, mois, min(self.day or 31, self._dernier_jour(mois)))

    def _dernier_jour(self, mois: int) -> int:
        return calendar.monthrange(self.year, mois)[1]

    # --- output --------------------------------------------------------------------------------------------
    def isoformat(self) -> str:
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def affichage(self) -> str:
        """JJ/MM/AAAA whatever the locale, 00 kept [R-DN-01][R-DN-02]."""
        return f"{self.day:02d}/{self.month:02d}/{self.year:04d}"

    def __str__(self) -> str:
        return self.affichage()

    def __format__(self, spec: str) -> str:
        """``f"{d:%d/%m/%Y}"`` like a date, for the codes %Y %y %m %d only (00 kept)."""
        if not spec:
            return str(self)
        return (spec.replace("%Y", f"{self.year:04d}").replace("%y", f"{self.year % 100:02d}")
                .replace("%m", f"{self.month:02d}").replace("%d", f"{self.day:02d}"))

    def strftime(self, spec: str) -> str:
        return self.__format__(spec)

    def __repr__(self) -> str:
        return f"DateLunaire({self.isoformat()!r})"

    # --- comparison ----------------------------------------------------------------------------------------
    def _cle(self) -> tuple[int, int, int]:
        return (self.year, self.month, self.day)

    @staticmethod
    def _autre(autre) -> DateLunaire | None:
        if isinstance(autre, DateLunaire):
            return autre
        if isinstance(autre, date):
            return DateLunaire(autre.year, autre.month, autre.day)
        return None

    def __eq__(self, autre) -> bool:
        o = self._autre(autre)
        return NotImplemented if o is None else self._cle() == o._cle()

    def __lt__(self, autre) -> bool:
        o = self._autre(autre)
        return NotImplemented if o is None else self._cle() < o._cle()

    def __hash__(self) -> int:
        r = self.reelle
        return hash(r) if r is not None else hash(self._cle())


def parse_saisie(texte: str) -> DateLunaire:
    """A birth date typed by a person: JJ/MM/AAAA (or AAAA-MM-JJ), 00 allowed for an unknown day or month.
    Stricter than INSi's answers: a known day needs a known month, and a complete date must exist."""
    d = DateLunaire.lire(texte)
    if d.day and not d.month:
        raise DateLunaireInvalide(
            f"Date de naissance « {d} » : un jour connu demande un mois connu (mettre 00/00/{d.year:04d} si le mois "
            "est inconnu)."
        )
    if d.day and d.month and d.reelle is None:
        raise DateLunaireInvalide(f"Date de naissance « {d} » : ce jour n'existe pas au calendrier.")
    return d
