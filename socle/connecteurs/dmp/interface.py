"""The one interface the product uses to reach the DMP (IHE XDS.b), whatever answers: the CNAM's DMP or the
local stand-in. Shared by the client (`client.py`), the stand-in (`standin.py`) and the documents app.

    client = client_pour(appelant, fournisseur)            # socle.connecteurs.dmp
    resultat = client.envoyer(cda_bytes, contexte)         # ITI-41, metadata derived from the CDA header
    fiches = client.rechercher(ins, contexte)              # ITI-18 FindDocuments
    doc = client.recuperer(fiche.unique_id, contexte)      # ITI-43
    client.masquer(fiche, ("MASQUE_PS",), contexte)        # ITI-57 metadata update
    client.envoyer(cda_v2, contexte, remplace=fiche.entry_uuid)  # RPLC
"""

from dataclasses import dataclass, field
from typing import Protocol

from ..commun.erreurs import ErreurConnecteur, ErreurPermanente, ErreurTemporaire

OID_INS_NIR = "1.2.250.1.213.1.4.8"
OID_INS_NIR_TEST = "1.2.250.1.213.1.4.10"
OID_INS_NIA = "1.2.250.1.213.1.4.9"
OIDS_INS = (OID_INS_NIR, OID_INS_NIR_TEST, OID_INS_NIA)
OID_RPPS = "1.2.250.1.71.4.2.1"
OID_STRUCTURE = "1.2.250.1.71.4.2.2"  # national structure identifiers (FINESS prefixed with 1 / 3 …)
OID_TRE_R85 = "1.2.250.1.213.1.6.1.107"  # TRE_R85 RolePriseCharge
OID_MASQUAGE = "1.2.250.1.213.1.1.4.13"  # DMP masking codes (JDV_J08 second code system)
CODES_MASQUAGE = ("MASQUE_PS", "INVISIBLE_PATIENT", "INVISIBLE_REPRESENTANTS_LEGAUX")

APPROUVE = "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved"
DEPRECIE = "urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated"


@dataclass(frozen=True)
class Code:
    """A coded value (code, coding scheme OID, display name) as XDS classifications carry them."""

    code: str
    schema: str
    libelle: str = ""


@dataclass(frozen=True)
class Auteur:
    """An XDS author: the person (RPPS, names), her profession / speciality (authorSpecialty), her rôle
    (authorRole, TRE_R85 when she is characterised by a rôle) and her structure (authorInstitution)."""

    identifiant: str = ""  # RPPS (11 digits) or local id
    identifiant_oid: str = OID_RPPS
    nom: str = ""
    prenom: str = ""
    specialite: Code | None = None
    role: Code | None = None
    institution_nom: str = ""
    institution_id: str = ""  # national structure id (e.g. "1" + FINESS ET)

    def xcn(self) -> str:
        """authorPerson as an HL7 v2 XCN."""
        if not (self.identifiant or self.nom):
            return ""
        return f"{self.identifiant}^{self.nom}^{self.prenom}^^^^^^&{self.identifiant_oid}&ISO"

    def xon(self) -> str:
        """authorInstitution as an HL7 v2 XON (IDNST: national structure identifier)."""
        if not self.institution_nom:
            return ""
        return f"{self.institution_nom}^^^^^&{OID_STRUCTURE}&ISO^IDNST^^^{self.institution_id}"


@dataclass
class FicheDocument:
    """An XDS DocumentEntry: what the registry knows of one document (ebRIM ExtrinsicObject)."""

    unique_id: str
    titre: str
    type_code: Code
    class_code: Code
    format_code: Code
    confidentialite: tuple[Code, ...]
    creation: str  # YYYYMMDDhhmmss, UTC
    hcft: Code  # healthcareFacilityTypeCode
    practice: Code  # practiceSettingCode
    patient_id: str  # INS as CX: <ins>^^^&<oid>&ISO^NH
    source_patient_id: str = ""
    auteurs: tuple[Auteur, ...] = ()
    langue: str = "fr-FR"
    mime: str = "text/xml"
    hash: str = ""  # sha1 hex of the document (repository)
    taille: int = 0
    service_debut: str = ""
    service_fin: str = ""
    entry_uuid: str = ""
    logical_id: str = ""
    version: str = "1"
    statut: str = APPROUVE
    repository_id: str = ""
    notes: tuple[str, ...] = ()  # what the caller should know (e.g. a table row "à vérifier")
    extra: dict = field(default_factory=dict)

    @property
    def masquage(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.confidentialite if c.code in CODES_MASQUAGE)

    @property
    def approuvee(self) -> bool:
        return self.statut == APPROUVE


PROFESSION_AUTOMATE = Code("AUTOMATE", "1.2.250.1.213.1.1.4.6", "Automate")  # 1st VIHF role of an automated call


@dataclass(frozen=True)
class ContexteAppel:
    """Who calls the DMP, for the VIHF token: the structure (indirect authentication with its certificates),
    the person acting (or the person responsible for the automated processing), her profession and rôle, and
    the patient whose DMP is reached (INS with its OID)."""

    structure_id: str  # Identifiant_Structure: national structure id, e.g. "1" + FINESS of the ESMS
    structure_nom: str
    utilisateur_id: str  # Subject/NameID
    utilisateur_nom: str
    ins: str  # 15 characters (matricule + key) … as the DMP knows it
    ins_oid: str = OID_INS_NIR
    profession: Code = PROFESSION_AUTOMATE  # 1st role: the profession (TRE_G15 …) or AUTOMATE
    role_prise_charge: Code | None = None  # 2nd role: TRE_R85, mandatory for a professional with a rôle
    secteur: Code = Code("SA41", "1.2.250.1.71.4.2.4", "Etablissement et service médico-social")

    @property
    def patient_cx(self) -> str:
        return f"{self.ins}^^^&{self.ins_oid}&ISO^NH"


@dataclass
class ResultatEnvoi:
    """Outcome of an ITI-41 submission accepted by the DMP."""

    unique_id: str
    entry_uuid: str
    submission_uid: str
    remplace: str = ""  # entryUUID of the replaced entry (RPLC)
    notes: tuple[str, ...] = ()


@dataclass
class DocumentRecupere:
    unique_id: str
    mime: str
    contenu: bytes
    repository_id: str = ""


@dataclass(frozen=True)
class ErreurXds:
    """One RegistryError of an XDS answer."""

    code: str  # XDSRegistryError, XDSPatientIdDoesNotMatch, …
    contexte: str
    emplacement: str = ""
    gravite: str = "Error"


class DmpErreur(ErreurConnecteur):
    """A DMP call that failed; `erreurs` holds the XDS RegistryErrors when the DMP answered with some."""

    def __init__(self, message: str, code: str = "", detail: str = "", *, erreurs: tuple[ErreurXds, ...] = (),
                 reessayable: bool | None = None):
        super().__init__(message, code, detail, reessayable=reessayable)
        self.erreurs = erreurs


class DmpErreurTemporaire(DmpErreur, ErreurTemporaire):
    """Worth retrying later: time-out, network, DMP busy (XDSRegistryBusy…), HTTP 5xx, SOAP Receiver fault."""


class DmpErreurPermanente(DmpErreur, ErreurPermanente):
    """Fails the same way until someone acts: document or metadata refused, VIHF refused, certificates."""


class DmpCertificatAbsent(DmpErreurPermanente):
    """The organisation has no DMP authentication or signature certificate: nothing was sent."""


class DmpClient(Protocol):
    def envoyer(self, cda: bytes, contexte: ContexteAppel, *, remplace: str = "",
                confidentialite: tuple[str, ...] = (), source_patient_id: str = "") -> ResultatEnvoi: ...

    def rechercher(self, contexte: ContexteAppel, *, tous_statuts: bool = False) -> list[FicheDocument]: ...

    def recuperer(self, unique_id: str, contexte: ContexteAppel, repository_id: str = "") -> DocumentRecupere: ...

    def masquer(self, fiche: FicheDocument, codes: tuple[str, ...], contexte: ContexteAppel) -> FicheDocument: ...
