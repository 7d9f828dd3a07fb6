"""The one interface the product uses to reach INSi, whatever answers (CNAM or the local stand-in).

Contract shared by the client (`socle.services.insi.client`), the stand-in (`socle.services.insi.standin`)
and the usagers app. Get the configured client with `socle.services.insi.get_client()`.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol

OID_NIR = "1.2.250.1.213.1.4.8"
OID_NIA = "1.2.250.1.213.1.4.9"

Mode = Literal["AUTO", "MANU"]  # INSI-AUTO certificate (batch) or INSI-MANU (a person triggers the call)


@dataclass(frozen=True)
class TraitsRecherche:
    """Traits sent to INSi. `prenoms` = birth first names in order; the client applies the CNAM practice
    (one call per first name in order, then all of them joined) unless `prenom_unique` is set."""

    nom_naissance: str
    prenoms: tuple[str, ...]
    sexe: Literal["F", "M"]
    date_naissance: date
    lieu_naissance: str = ""  # INSEE code of the birth commune, or 99xxx country code
    prenom_unique: bool = False


@dataclass(frozen=True)
class IdentiteINS:
    matricule: str  # 13 characters (NIR or NIA without key)
    cle: str  # 2 digits
    oid: str  # OID_NIR or OID_NIA
    nom_naissance: str
    prenoms: tuple[str, ...]  # ListePrenom split on spaces
    sexe: str
    date_naissance: date
    lieu_naissance: str = ""
    historique: tuple[tuple[str, str, str], ...] = ()  # INSHISTO: (matricule, cle, oid)

    @property
    def ins(self) -> str:
        return self.matricule + self.cle

    @property
    def premier_prenom(self) -> str:
        return self.prenoms[0] if self.prenoms else ""


@dataclass
class ReponseInsi:
    cr: str  # "00" one identity, "01" none, "02" several
    identite: IdentiteINS | None = None
    appels: int = 1  # SOAP calls made to get this answer (one per first name tried)
    prenom_retenu: str = ""  # first name (or joined list) of the call that answered 00
    details: list[dict] = field(default_factory=list)  # per call: prenom sent, cr, duration ms

    @property
    def trouvee(self) -> bool:
        return self.cr == "00" and self.identite is not None


class InsiErreurTechnique(Exception):
    """SOAP fault, TLS or network failure, time-out: the call must be retried later, nothing was learned."""

    def __init__(self, message: str, code: str = "", detail: str = ""):
        super().__init__(message)
        self.code = code
        self.detail = detail


class InsiClient(Protocol):
    def rechercher(self, traits: TraitsRecherche, mode: Mode = "MANU") -> ReponseInsi: ...

    def rechercher_carte_vitale(self, donnees_vitale: dict, mode: Mode = "MANU") -> ReponseInsi: ...
