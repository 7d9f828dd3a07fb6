"""What every format's parser yields, and the refusals they share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from socle.core.fichiers import FichierRefuse

FORMATS = ("csv", "xlsx", "fhir", "hl7")
BLOQUANT = "erreur"
ECARTE = "ecarte"  # the row is set aside (probable duplicate), the others are imported
AVERTISSEMENT = "avertissement"


class ImportIllisible(FichierRefuse):
    """The whole file is refused (wrong format or encoding, beyond a limit, not a Bundle of Patient…): nothing is
    written. The message is French and names the rule or the limit."""


@dataclass
class Probleme:
    """One problem of one row (CSV line, Bundle entry, HL7 message) and one field."""

    numero: int
    champ: str
    message: str
    gravite: str = BLOQUANT
    ipp: str = ""

    def as_dict(self) -> dict:
        return {
            "numero": self.numero,
            "champ": self.champ,
            "message": self.message,
            "gravite": self.gravite,
            "ipp": self.ipp,
        }

    def __str__(self) -> str:
        qui = f" (IPP {self.ipp})" if self.ipp else ""
        niveau = {BLOQUANT: "ERREUR", ECARTE: "écartée", AVERTISSEMENT: "avertissement"}[self.gravite]
        return f"enregistrement {self.numero}{qui}, champ {self.champ} : {self.message} [{niveau}]"


@dataclass
class IdentiteEntrante:
    """One identity as a DUI sends it, before any RNIV decision. `statut_declare` and the INS are claims."""

    numero: int
    ipp: str = ""
    nom_naissance: str = ""
    prenoms_naissance: str = ""
    premier_prenom: str = ""
    date_naissance: date | None = None
    sexe: str = ""
    lieu_naissance: str = ""
    nom_utilise: str = ""
    prenom_utilise: str = ""
    statut_declare: str = ""
    ins: str = ""
    oid_ins: str = ""
    douteuse: bool = False
    fictive: bool = False
    homonyme: bool = False
    ancien_ipp: str = ""  # HL7 A40: the IPP merged into `ipp`
    evenement: str = ""  # HL7 trigger event (A28, A31, A08, A40); "" for files
    controle: str = ""  # HL7 MSH-10, for the ACK
    problemes: list[Probleme] = field(default_factory=list)

    def probleme(self, champ: str, message: str, gravite: str = BLOQUANT) -> None:
        self.problemes.append(Probleme(self.numero, champ, message, gravite, self.ipp))

    @property
    def bloquee(self) -> bool:
        return any(p.gravite == BLOQUANT for p in self.problemes)

    def traits(self) -> dict:
        return {
            "nom_naissance": self.nom_naissance,
            "prenoms_naissance": self.prenoms_naissance,
            "premier_prenom": self.premier_prenom,
            "date_naissance": self.date_naissance,
            "sexe": self.sexe,
            "lieu_naissance": self.lieu_naissance,
            "nom_utilise": self.nom_utilise,
            "prenom_utilise": self.prenom_utilise,
        }
