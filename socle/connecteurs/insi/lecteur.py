"""Reading a carte Vitale (physical card) or the appli carte Vitale (ApCV) at the admission desk, to query INSi
with the card's data (operation `rechercherInsAvecCarteVitale`) instead of typed traits.

Two channels [RNIV R-DOC-01, R-ST-04; FR Core methodCollection CV / AV]:
- ``CV``, the physical card: only a way to query INSi. The card is not an identity document: INSi's answer,
  once accepted, gives a *récupérée* identity (criterion I), never C.
- ``AV``, the ApCV: the application verified the holder's identity (France Identité); RNIV 2024 treats an
  identity obtained from it as *qualifiée* once INSi confirms it.

``LecteurCarte`` is the interface the product uses. ``LecteurBouchon`` is the local stand-in reader: it "holds"
the demo cards listed in ``standin.cartes_demo()`` (people of the stand-in's national base) and hands out the one
inserted. A workstation reader (SESAM-Vitale / ApCV API, both under CNAM agreement, no public specification) is
not part of this repository: it plugs in by implementing ``LecteurCarte``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal, Protocol

from socle.core.naissance import DateLunaire

Canal = Literal["CV", "AV"]
LIBELLES_CANAL = {"CV": "Carte Vitale", "AV": "Appli carte Vitale (ApCV)"}


class LecteurErreur(Exception):
    """No card could be read (none inserted, unknown card); the message is French."""


@dataclass(frozen=True)
class LectureCarte:
    """What a card (or the ApCV) gives: the beneficiary's matricule and birth date (as on the card, possibly
    lunar), optionally the birth name, birth rank and the ouvrant droit's matricule."""

    canal: Canal
    matricule: str  # 13 or 15 characters
    date_naissance: DateLunaire
    nom_naissance: str = ""
    prenom: str = ""
    rang_naissance: str = ""
    matricule_od: str = ""
    libelle: str = ""  # how the demo reader lists it

    @property
    def identite_verifiee(self) -> bool:
        """The ApCV verified the holder's identity; the physical card does not."""
        return self.canal == "AV"

    def donnees_insi(self) -> dict:
        """The body of INSi's `rechercherInsAvecCarteVitale` (see client.rechercher_carte_vitale)."""
        d = {"matricule": self.matricule, "date_naissance": self.date_naissance}
        if self.nom_naissance:
            d["nom_naissance"] = self.nom_naissance
        if self.rang_naissance:
            d["rang_naissance"] = self.rang_naissance
        if self.matricule_od:
            d["matricule_od"] = self.matricule_od
        return d


class LecteurCarte(Protocol):
    def cartes(self) -> list[LectureCarte]: ...

    def lire(self, reference: str = "") -> LectureCarte: ...


class LecteurBouchon:
    """The stand-in reader: a fixed set of demo cards; `lire(reference)` reads the one "inserted" (its matricule
    and channel, e.g. "AV:180032B02040123")."""

    def __init__(self, cartes: list[LectureCarte]):
        self._cartes = list(cartes)
        self._lock = threading.Lock()
        self.lectures = 0

    @staticmethod
    def reference(carte: LectureCarte) -> str:
        return f"{carte.canal}:{carte.matricule}"

    def cartes(self) -> list[LectureCarte]:
        return list(self._cartes)

    def lire(self, reference: str = "") -> LectureCarte:
        for carte in self._cartes:
            if self.reference(carte) == reference:
                with self._lock:
                    self.lectures += 1
                return carte
        raise LecteurErreur("Aucune carte lue : insérez la carte Vitale ou présentez l'appli carte Vitale.")


_lecteur: LecteurCarte | None = None


def lecteur_configure() -> LecteurCarte:
    """The reader of this installation: the stand-in reader with the demo cards (no workstation reader is
    shipped)."""
    global _lecteur
    if _lecteur is None:
        from .standin import cartes_demo

        _lecteur = LecteurBouchon(cartes_demo())
    return _lecteur
