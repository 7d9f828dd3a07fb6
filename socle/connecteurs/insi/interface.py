"""The one interface the product uses to reach INSi, whatever answers (CNAM or the local stand-in).

Contract shared by the client (`socle.connecteurs.insi.client`), the stand-in
(`socle.connecteurs.insi.standin`) and the usagers app. Get a client acting for a caller with
`socle.connecteurs.insi.client_pour(appelant, fournisseur)`.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol

from socle.core.naissance import DateLunaire

from ..commun.erreurs import ErreurConnecteur, ErreurPermanente, ErreurTemporaire

OID_NIR = "1.2.250.1.213.1.4.8"
OID_NIA = "1.2.250.1.213.1.4.9"

Mode = Literal["AUTO", "MANU"]  # INSI-AUTO certificate (batch) or INSI-MANU (a person triggers the call)
USAGE_PAR_MODE = {"AUTO": "INSI-AUTO", "MANU": "INSI-MANU"}  # certificate use (its CN) asked of the provider


@dataclass(frozen=True)
class TraitsRecherche:
    """Traits sent to INSi. `prenoms` = birth first names in order; the client applies the CNAM practice
    (one call per first name in order, then all of them joined) unless `prenom_unique` is set."""

    nom_naissance: str
    prenoms: tuple[str, ...]
    sexe: Literal["F", "M"]
    date_naissance: DateLunaire | date  # INSi's DateLunaire: 00 allowed for an unknown day/month [R-DN-02]
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
    date_naissance: DateLunaire  # as INSi returned it, possibly lunar (1962-00-00) [R-DN-02]
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
    certificat: str = ""  # the client certificate presented (MaterielCertificat.libelle)

    @property
    def trouvee(self) -> bool:
        return self.cr == "00" and self.identite is not None


class InsiErreurTechnique(ErreurConnecteur):
    """An INSi call that failed (SOAP fault, TLS, network, time-out, certificate, configuration): nothing was
    learned. Raised as InsiErreurTemporaire (`reessayable`: time-out, network, service unavailable) or
    InsiErreurPermanente (certificate, configuration, request refused: someone must act first)."""


class InsiErreurTemporaire(InsiErreurTechnique, ErreurTemporaire):
    """Worth retrying later: time-out, network cut, CNAM technical fault (Receiver), HTTP 5xx."""


class InsiErreurPermanente(InsiErreurTechnique, ErreurPermanente):
    """Fails the same way until someone acts: certificate, configuration, request refused (Sender), HTTP 4xx."""


class InsiCertificatAbsent(InsiErreurPermanente):
    """The caller has no certificate for this use (and no installation fallback): nothing was sent."""


class InsiClient(Protocol):
    def rechercher(self, traits: TraitsRecherche, mode: Mode = "MANU") -> ReponseInsi: ...

    def rechercher_carte_vitale(self, donnees_vitale: dict, mode: Mode = "MANU") -> ReponseInsi: ...
