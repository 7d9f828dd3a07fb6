"""Local DMP stand-in: speaks XDS.b as the DMP does (SOAP 1.2 + MTOM over mutual-TLS HTTPS; repository
service `POST /repository` for ITI-41 / ITI-43, registry service `POST /registry` for ITI-18 / ITI-57) with
its own test CA, and keeps a registry + repository in a SQLite file of its own.

What it checks, answering the way XDS does (RegistryResponse Failure + RegistryError, or a SOAP fault for
the security layer):
- the client certificate (mutual TLS, issued by its CA) and the VIHF token: signature (rsa-sha256,
  exc-c14n) by a certificate its CA issued, validity window, mandatory attributes, same organisation as the
  TLS certificate; the VIHF patient must be the patient of the request (XDSPatientIdDoesNotMatch);
- the metadata: required parts (XDSRegistryMetadataError), codes in the value sets J02 / J04 / J07 / J08 and
  the tables A11 / X04, SubmissionSet and DocumentEntry on the same patient (XDSPatientIdDoesNotMatch), hash
  and size (XDSNonIdenticalHash / Size), a uniqueId never reused (XDSDocumentUniqueIdError), the document
  present (XDSMissingDocument);
- the CDA: CDA R2 XSD (the ANS extended schema), the CI-SIS header (templateIds, realm FR, INS of
  recordTarget = patientId, id = uniqueId, code = typeCode), and any extra validator given to it (the
  documents app plugs in the structuration-minimale schematron) — failures as XDSRegistryError;
- replacement (RPLC: the previous entry becomes Deprecated), masking by ITI-57 (new version of the entry,
  PreviousVersion checked: XDSMetadataVersionError), and MASQUE_PS entries hidden from other structures.
"""

import datetime as dt
import hashlib
import sqlite3
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from lxml import etree

from ..commun.standin import BouchonHttps, Reponse, Requete
from . import ebxml, soap, tables, vihf
from .interface import APPROUVE, DEPRECIE, OIDS_INS, ErreurXds, FicheDocument
from .metadonnees import NS as NS_CDA
from .pki import PkiBouchonDmp, assurer_pki

XSD_CDA = Path(__file__).resolve().parent / "xsd" / "cda" / "CDA_extended.xsd"
REPOSITORY_ID = "1.2.250.1.999.1.1.8"  # the stand-in's repositoryUniqueId
TYPE_SOAP = "application/soap+xml; charset=utf-8"
TEMPLATES_CISIS = ("2.16.840.1.113883.2.8.2.1", "1.2.250.1.213.1.1.1.1")


class RefusXds(Exception):
    def __init__(self, *erreurs: ErreurXds):
        super().__init__("; ".join(f"{e.code}: {e.contexte}" for e in erreurs))
        self.erreurs = erreurs


class RefusSecurite(Exception):
    def __init__(self, sous_code: str, raison: str):
        super().__init__(raison)
        self.sous_code, self.raison = sous_code, raison


def _e(code: str, contexte: str, emplacement: str = "") -> ErreurXds:
    return ErreurXds(code, contexte, emplacement)


# --------------------------------------------------------------------------- storage


class Registre:
    """Registry (entries) + repository (documents) in one SQLite file; thread-safe."""

    def __init__(self, chemin: Path | str):
        self.chemin = str(chemin)
        if self.chemin != ":memory:":
            Path(self.chemin).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._cx = sqlite3.connect(self.chemin, check_same_thread=False, isolation_level=None)
        self._cx.executescript(
            """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS entrees (
                entry_uuid TEXT PRIMARY KEY, lid TEXT NOT NULL, version INTEGER NOT NULL, unique_id TEXT NOT NULL,
                patient_id TEXT NOT NULL, statut TEXT NOT NULL, fiche BLOB NOT NULL, structure TEXT NOT NULL,
                enregistre_le TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS entrees_patient ON entrees(patient_id);
            CREATE TABLE IF NOT EXISTS documents (
                unique_id TEXT PRIMARY KEY, contenu BLOB NOT NULL, mime TEXT NOT NULL, hash TEXT NOT NULL,
                taille INTEGER NOT NULL);
            """
        )

    def fermer(self) -> None:
        self._cx.close()

    def _fiche(self, ligne) -> FicheDocument:
        eo = etree.fromstring(ligne[0])
        return ebxml.lire_extrinsic(eo)

    def document_existe(self, unique_id: str) -> bool:
        with self._lock:
            return self._cx.execute("SELECT 1 FROM documents WHERE unique_id=?", (unique_id,)).fetchone() is not None

    def entree(self, entry_uuid: str) -> tuple[FicheDocument, str] | None:
        with self._lock:
            ligne = self._cx.execute("SELECT fiche, structure FROM entrees WHERE entry_uuid=?", (entry_uuid,)).fetchone()
        return (self._fiche(ligne), ligne[1]) if ligne else None

    def courante(self, lid: str) -> tuple[FicheDocument, str] | None:
        with self._lock:
            ligne = self._cx.execute("SELECT fiche, structure FROM entrees WHERE lid=? AND statut=?",
                                     (lid, APPROUVE)).fetchone()
        return (self._fiche(ligne), ligne[1]) if ligne else None

    def par_patient(self, patient_id: str, statuts: tuple[str, ...]) -> list[tuple[FicheDocument, str]]:
        with self._lock:
            lignes = self._cx.execute(
                f"SELECT fiche, structure FROM entrees WHERE patient_id=? AND statut IN ({','.join('?' * len(statuts))}) "
                "ORDER BY enregistre_le", (patient_id, *statuts)).fetchall()
        return [(self._fiche(lg), lg[1]) for lg in lignes]

    def par_unique_id(self, unique_id: str) -> list[tuple[FicheDocument, str]]:
        with self._lock:
            lignes = self._cx.execute("SELECT fiche, structure FROM entrees WHERE unique_id=? AND statut=?",
                                      (unique_id, APPROUVE)).fetchall()
        return [(self._fiche(lg), lg[1]) for lg in lignes]

    def document(self, unique_id: str) -> tuple[bytes, str] | None:
        with self._lock:
            ligne = self._cx.execute("SELECT contenu, mime FROM documents WHERE unique_id=?", (unique_id,)).fetchone()
        return (bytes(ligne[0]), ligne[1]) if ligne else None

    def enregistrer(self, fiche: FicheDocument, structure: str, contenu: bytes | None, deprecier: str = "") -> None:
        """One atomic write: the new entry (its document when given) and the deprecation of `deprecier`."""
        xml = etree.tostring(ebxml.extrinsic(fiche, fiche.entry_uuid))
        maintenant = dt.datetime.now(dt.UTC).isoformat()
        with self._lock:
            self._cx.execute("BEGIN IMMEDIATE")
            try:
                if deprecier:
                    self._deprecier(deprecier)
                if contenu is not None:
                    self._cx.execute("INSERT INTO documents VALUES (?,?,?,?,?)",
                                     (fiche.unique_id, contenu, fiche.mime, fiche.hash, fiche.taille))
                self._cx.execute("INSERT INTO entrees VALUES (?,?,?,?,?,?,?,?,?)",
                                 (fiche.entry_uuid, fiche.logical_id, int(fiche.version or 1), fiche.unique_id,
                                  fiche.patient_id, fiche.statut, xml, structure, maintenant))
                self._cx.execute("COMMIT")
            except Exception:
                self._cx.execute("ROLLBACK")
                raise

    def _deprecier(self, entry_uuid: str) -> None:
        ligne = self._cx.execute("SELECT fiche FROM entrees WHERE entry_uuid=?", (entry_uuid,)).fetchone()
        fiche = ebxml.lire_extrinsic(etree.fromstring(ligne[0]))
        fiche.statut = DEPRECIE
        self._cx.execute("UPDATE entrees SET statut=?, fiche=? WHERE entry_uuid=?",
                         (DEPRECIE, etree.tostring(ebxml.extrinsic(fiche, entry_uuid)), entry_uuid))

    def compter(self, unique_id: str = "") -> int:
        with self._lock:
            if unique_id:
                return self._cx.execute("SELECT COUNT(*) FROM entrees WHERE unique_id=?", (unique_id,)).fetchone()[0]
            return self._cx.execute("SELECT COUNT(*) FROM entrees").fetchone()[0]


# --------------------------------------------------------------------------- journal


@dataclass
class AppelDmp:
    transaction: str  # ITI-41, ITI-18, ITI-43, ITI-57 (or the action received)
    organisation: str  # O of the TLS client certificate
    structure: str = ""  # VIHF Identifiant_Structure
    role: str = ""  # VIHF 2nd role (TRE_R85), if any
    unique_ids: tuple[str, ...] = ()
    resultat: str = ""  # "Success", or the XDS / security error codes


@dataclass
class Journal:
    appels: list[AppelDmp] = field(default_factory=list)
    refus_tls: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def noter(self, appel: AppelDmp) -> None:
        with self._lock:
            self.appels.append(appel)

    def envois(self, unique_id: str) -> list[AppelDmp]:
        with self._lock:
            return [a for a in self.appels if a.transaction == "ITI-41" and unique_id in a.unique_ids]


# --------------------------------------------------------------------------- the service


class ServiceDmp:
    """The stand-in's logic, independent of HTTP: `traiter(chemin, corps, type_contenu, organisation)`."""

    def __init__(self, registre: Registre, autorite: x509.Certificate,
                 valideurs_cda: list[Callable[[bytes], list[str]]] | None = None):
        self.registre = registre
        self.autorite = autorite
        self.valideurs_cda = list(valideurs_cda or [])
        self.journal = Journal()
        self._xsd: etree.XMLSchema | None = None
        self._xsd_lock = threading.Lock()

    # -- CDA
    def xsd(self) -> etree.XMLSchema:
        with self._xsd_lock:
            if self._xsd is None:
                self._xsd = etree.XMLSchema(etree.parse(str(XSD_CDA)))
            return self._xsd

    def erreurs_cda(self, contenu: bytes, fiche: FicheDocument) -> list[str]:
        try:
            doc = etree.fromstring(contenu, soap.PARSEUR)
        except etree.XMLSyntaxError as exc:
            return [f"CDA illisible : {exc}"]
        schema = self.xsd()
        with self._xsd_lock:
            ok = schema.validate(doc)
            erreur = schema.error_log.last_error
        if not ok:
            return [f"CDA non conforme au schéma CDA R2 (XSD) : ligne {erreur.line} : {erreur.message}"]
        messages = []
        templates = {t.get("root") for t in doc.findall("h:templateId", NS_CDA)}
        for t in TEMPLATES_CISIS:
            if t not in templates:
                messages.append(f"En-tête CI-SIS : templateId {t} absent.")
        realm = doc.find("h:realmCode", NS_CDA)
        if realm is None or realm.get("code") != "FR":
            messages.append("En-tête CI-SIS : realmCode FR absent.")
        ident = doc.find("h:id", NS_CDA)
        uid = ""
        if ident is not None:
            uid = f"{ident.get('root')}^{ident.get('extension')}" if ident.get("extension") else ident.get("root", "")
        if uid != fiche.unique_id:
            messages.append("ClinicalDocument/id ne correspond pas au uniqueId des métadonnées.")
        code = doc.find("h:code", NS_CDA)
        if code is None or code.get("code") != fiche.type_code.code:
            messages.append("ClinicalDocument/code ne correspond pas au typeCode des métadonnées.")
        ins = [f"{i.get('extension')}^^^&{i.get('root')}&ISO^NH" for i in doc.findall("h:recordTarget/h:patientRole/h:id", NS_CDA)
               if i.get("root") in OIDS_INS]
        if fiche.patient_id not in ins:
            messages.append("recordTarget : l'INS du CDA ne correspond pas au patientId des métadonnées.")
        for valideur in self.valideurs_cda:
            messages += valideur(contenu)
        return messages

    # -- security
    def verifier_securite(self, message: soap.MessageRecu, organisation: str) -> vihf.VihfVerifie:
        secu = message.securite()
        jeton = secu.find(f"{{{vihf.NS_SAML}}}Assertion") if secu is not None else None
        try:
            verifie = vihf.verifier(jeton, self.autorite)
        except vihf.VihfInvalide as exc:
            raise RefusSecurite("wsse:FailedAuthentication", str(exc)) from None
        orgs = verifie.certificat.subject.get_attributes_for_oid(x509.oid.NameOID.ORGANIZATION_NAME)
        org_signature = str(orgs[0].value) if orgs else ""
        if org_signature != organisation:
            raise RefusSecurite("wsse:FailedAuthentication",
                                "Le certificat de signature du VIHF et le certificat d'authentification TLS "
                                "n'appartiennent pas à la même structure.")
        return verifie

    # -- dispatch
    def traiter(self, chemin: str, corps: bytes, type_contenu: str, organisation: str) -> Reponse:
        appel = AppelDmp(transaction="?", organisation=organisation)
        self.journal.noter(appel)  # filled in below; listed even if the handling fails
        try:
            message = soap.lire(corps, type_contenu)
        except soap.MessageIllisible as exc:
            appel.resultat = "illisible"
            return Reponse(400, soap.faute("Sender", "soap:MessageIllisible", str(exc)), TYPE_SOAP)
        transaction = soap.TRANSACTION_PAR_ACTION.get(message.action, message.action or "?")
        appel.transaction = transaction
        attendu = {"/repository": ("ITI-41", "ITI-43"), "/registry": ("ITI-18", "ITI-57")}.get(chemin.rstrip("/"), ())
        if transaction not in attendu:
            appel.resultat = "action"
            return Reponse(400, soap.faute("Sender", "wsa:ActionNotSupported",
                                           f"Action {message.action!r} non prise en charge par {chemin}."), TYPE_SOAP)
        try:
            jeton = self.verifier_securite(message, organisation)
        except RefusSecurite as exc:
            appel.resultat = exc.sous_code
            return Reponse(400, soap.faute("Sender", exc.sous_code, exc.raison), TYPE_SOAP)
        appel.structure = jeton.un("Identifiant_Structure")
        roles = jeton.attributs.get(vihf.ATTR_ROLE, [])
        appel.role = roles[1][0] if len(roles) > 1 and isinstance(roles[1], tuple) else ""
        try:
            if transaction == "ITI-41":
                reponse = self.iti41(message, jeton, appel)
            elif transaction == "ITI-43":
                return self.iti43(message, jeton, appel)
            elif transaction == "ITI-18":
                reponse = self.iti18(message, jeton, appel)
            else:
                reponse = self.iti57(message, jeton, appel)
            appel.resultat = "Success"
        except RefusXds as exc:
            appel.resultat = ",".join(e.code for e in exc.erreurs)
            reponse = ebxml.registry_response(exc.erreurs)
        env = soap.enveloppe(soap.ACTIONS[transaction] + "Response", reponse)
        return Reponse(200, etree.tostring(env, xml_declaration=True, encoding="UTF-8"), TYPE_SOAP)

    @staticmethod
    def _patient_vihf(jeton: vihf.VihfVerifie) -> str:
        return jeton.un(vihf.ATTR_RESSOURCE)

    def _controler_codes(self, fiche: FicheDocument) -> list[ErreurXds]:
        e = []
        uid = fiche.unique_id
        if not tables.dans_jeu("J07", fiche.type_code):
            e.append(_e("XDSRegistryMetadataError", f"typeCode {fiche.type_code.code} hors JDV_J07", uid))
        if (fiche.class_code.code, fiche.class_code.schema) not in tables.classes_connues():
            e.append(_e("XDSRegistryMetadataError", f"classCode {fiche.class_code.code} hors table ASS_X04", uid))
        else:
            try:
                attendue, _statut = tables.classe_pour(fiche.type_code.code)
                if attendue.code != fiche.class_code.code:
                    e.append(_e("XDSRegistryMetadataError",
                                f"classCode {fiche.class_code.code} incohérent avec typeCode {fiche.type_code.code} "
                                f"(ASS_X04 : {attendue.code})", uid))
            except KeyError:
                pass
        for c in fiche.confidentialite:
            if not tables.dans_jeu("J08", c):
                e.append(_e("XDSRegistryMetadataError", f"confidentialityCode {c.code} hors JDV_J08", uid))
        if (fiche.format_code.code, fiche.format_code.schema) not in tables.formats_connus():
            e.append(_e("XDSRegistryMetadataError", f"formatCode {fiche.format_code.code} inconnu (ASS_A11)", uid))
        if not tables.dans_jeu("J02", fiche.hcft):
            e.append(_e("XDSRegistryMetadataError", f"healthcareFacilityTypeCode {fiche.hcft.code} hors JDV_J02", uid))
        if not tables.dans_jeu("J04", fiche.practice):
            e.append(_e("XDSRegistryMetadataError", f"practiceSettingCode {fiche.practice.code} hors JDV_J04", uid))
        return e

    def iti41(self, message: soap.MessageRecu, jeton: vihf.VihfVerifie, appel: AppelDmp):
        req = message.corps
        if req is None or req.tag != f"{{{ebxml.NS_XDSB}}}ProvideAndRegisterDocumentSetRequest":
            raise RefusXds(_e("XDSRegistryError", "ProvideAndRegisterDocumentSetRequest attendu"))
        liste = req.find(f"{{{ebxml.NS_LCM}}}SubmitObjectsRequest/{{{ebxml.NS_RIM}}}RegistryObjectList")
        if liste is None:
            raise RefusXds(_e("XDSRegistryMetadataError", "SubmitObjectsRequest/RegistryObjectList absent"))
        paquets = liste.findall(ebxml.R("RegistryPackage"))
        if len(paquets) != 1:
            raise RefusXds(_e("XDSRegistryMetadataError", "un et un seul lot de soumission (RegistryPackage) attendu"))
        ss_patient = next((i.get("value") for i in paquets[0].findall(ebxml.R("ExternalIdentifier"))
                           if i.get("identificationScheme") == ebxml.IDENT["ss_patient"]), "")
        documents = {d.get("id"): d for d in req.findall(f"{{{ebxml.NS_XDSB}}}Document")}
        fiches: list[tuple[str, FicheDocument]] = []
        erreurs: list[ErreurXds] = []
        for eo in liste.findall(ebxml.R("ExtrinsicObject")):
            try:
                fiches.append((eo.get("id"), ebxml.lire_extrinsic(eo)))
            except ebxml.MetadonneesIllisibles as exc:
                erreurs.append(_e("XDSRegistryMetadataError", str(exc), eo.get("id", "")))
        if erreurs:
            raise RefusXds(*erreurs)
        if not fiches:
            raise RefusXds(_e("XDSRegistryMetadataError", "aucune fiche de document (ExtrinsicObject)"))
        appel.unique_ids = tuple(f.unique_id for _i, f in fiches)
        remplacements = {a.get("sourceObject"): a.get("targetObject") for a in liste.findall(ebxml.R("Association"))
                         if a.get("associationType") == ebxml.RPLC}
        a_ecrire = []
        for ident, fiche in fiches:
            uid = fiche.unique_id
            erreurs += self._controler_codes(fiche)
            if fiche.patient_id != ss_patient:
                erreurs.append(_e("XDSPatientIdDoesNotMatch", "patientId du document différent de celui du lot", uid))
            if fiche.patient_id != self._patient_vihf(jeton):
                erreurs.append(_e("XDSPatientIdDoesNotMatch", "patientId différent du patient du jeton VIHF", uid))
            doc = documents.get(ident)
            contenu = message.inclus(doc) if doc is not None else None
            if contenu is None:
                erreurs.append(_e("XDSMissingDocument", f"document {ident} absent du message", uid))
                continue
            if fiche.hash and fiche.hash.lower() != hashlib.sha1(contenu).hexdigest():  # noqa: S324 - XDS hash
                erreurs.append(_e("XDSNonIdenticalHash", "hash des métadonnées différent du document reçu", uid))
            if fiche.taille and fiche.taille != len(contenu):
                erreurs.append(_e("XDSNonIdenticalSize", "size des métadonnées différente du document reçu", uid))
            if self.registre.document_existe(uid):
                erreurs.append(_e("XDSDocumentUniqueIdError", f"uniqueId {uid} déjà enregistré", uid))
            erreurs += [_e("XDSRegistryError", m, uid) for m in self.erreurs_cda(contenu, fiche)]
            cible = remplacements.get(ident, "")
            if cible:
                precedente = self.registre.entree(cible)
                if precedente is None or precedente[0].statut != APPROUVE:
                    erreurs.append(_e("XDSRegistryError", f"remplacement : entrée {cible} inconnue ou déjà remplacée",
                                      uid))
                elif precedente[0].patient_id != fiche.patient_id:
                    erreurs.append(_e("XDSPatientIdDoesNotMatch", "remplacement d'un document d'un autre patient", uid))
            a_ecrire.append((fiche, contenu, cible))
        for ident in documents:
            if ident not in {i for i, _f in fiches}:
                erreurs.append(_e("XDSMissingDocumentMetadata", f"document {ident} sans fiche de métadonnées"))
        if erreurs:
            raise RefusXds(*erreurs)
        for fiche, contenu, cible in a_ecrire:
            entree = f"urn:uuid:{uuid.uuid4()}"
            fiche.entry_uuid, fiche.logical_id, fiche.version = entree, entree, "1"
            fiche.statut, fiche.repository_id = APPROUVE, REPOSITORY_ID
            fiche.hash, fiche.taille = hashlib.sha1(contenu).hexdigest(), len(contenu)  # noqa: S324
            self.registre.enregistrer(fiche, appel.structure, contenu, deprecier=cible)
        return ebxml.registry_response()

    def _visible(self, fiche: FicheDocument, structure: str, auteur_structure: str) -> bool:
        return "MASQUE_PS" not in fiche.masquage or structure == auteur_structure

    def iti18(self, message: soap.MessageRecu, jeton: vihf.VihfVerifie, appel: AppelDmp):
        q = message.corps
        aq = q.find(ebxml.R("AdhocQuery")) if q is not None else None
        if aq is None or aq.get("id") != ebxml.FIND_DOCUMENTS:
            raise RefusXds(_e("XDSUnknownStoredQuery", "seule la requête FindDocuments est simulée"))
        valeurs = {s.get("name"): [v.text or "" for v in s.iter(ebxml.R("Value"))] for s in aq.findall(ebxml.R("Slot"))}
        patient = (valeurs.get("$XDSDocumentEntryPatientId") or [""])[0].strip("'")
        if not patient:
            raise RefusXds(_e("XDSStoredQueryParamNumber", "$XDSDocumentEntryPatientId obligatoire"))
        if patient != self._patient_vihf(jeton):
            raise RefusXds(_e("XDSPatientIdDoesNotMatch", "patient de la requête différent du patient du jeton VIHF"))
        texte = ",".join(valeurs.get("$XDSDocumentEntryStatus") or [f"('{APPROUVE}')"])
        statuts = tuple(s.strip(" '()") for s in texte.split(",") if s.strip(" '()")) or (APPROUVE,)
        reponse = etree.Element(f"{{{ebxml.NS_QUERY}}}AdhocQueryResponse", nsmap=ebxml.NSMAP, status=ebxml.SUCCES)
        liste = etree.SubElement(reponse, ebxml.R("RegistryObjectList"))
        for fiche, structure in self.registre.par_patient(patient, statuts):
            if self._visible(fiche, appel.structure, structure):
                liste.append(ebxml.extrinsic(fiche, fiche.entry_uuid))
        return reponse

    def iti43(self, message: soap.MessageRecu, jeton: vihf.VihfVerifie, appel: AppelDmp) -> Reponse:
        req = message.corps
        dr = req.find(f"{{{ebxml.NS_XDSB}}}DocumentRequest") if req is not None else None
        depot = dr.findtext(f"{{{ebxml.NS_XDSB}}}RepositoryUniqueId", "") if dr is not None else ""
        uid = dr.findtext(f"{{{ebxml.NS_XDSB}}}DocumentUniqueId", "") if dr is not None else ""
        appel.unique_ids = (uid,)
        erreur = None
        entrees = self.registre.par_unique_id(uid)
        if depot != REPOSITORY_ID:
            erreur = _e("XDSUnknownRepositoryId", f"entrepôt {depot} inconnu", uid)
        elif not entrees or self.registre.document(uid) is None:
            erreur = _e("XDSMissingDocument", f"document {uid} inconnu", uid)
        elif entrees[0][0].patient_id != self._patient_vihf(jeton):
            erreur = _e("XDSPatientIdDoesNotMatch", "document d'un autre patient que celui du jeton VIHF", uid)
        elif not self._visible(entrees[0][0], appel.structure, entrees[0][1]):
            erreur = _e("XDSMissingDocument", f"document {uid} masqué aux professionnels", uid)
        action = soap.ACTIONS["ITI-43"] + "Response"
        rep = etree.Element(f"{{{ebxml.NS_XDSB}}}RetrieveDocumentSetResponse", nsmap=ebxml.NSMAP)
        if erreur is not None:
            appel.resultat = erreur.code
            rep.append(ebxml.registry_response((erreur,)))
            env = soap.enveloppe(action, rep)
            return Reponse(200, etree.tostring(env, xml_declaration=True, encoding="UTF-8"), TYPE_SOAP)
        contenu, mime = self.registre.document(uid)
        rep.append(ebxml.registry_response())
        d = etree.SubElement(rep, f"{{{ebxml.NS_XDSB}}}DocumentResponse")
        etree.SubElement(d, f"{{{ebxml.NS_XDSB}}}RepositoryUniqueId").text = REPOSITORY_ID
        etree.SubElement(d, f"{{{ebxml.NS_XDSB}}}DocumentUniqueId").text = uid
        etree.SubElement(d, f"{{{ebxml.NS_XDSB}}}mimeType").text = mime
        cid = f"doc.{uuid.uuid4().hex}@bouchon-dmp"
        inc = etree.SubElement(etree.SubElement(d, f"{{{ebxml.NS_XDSB}}}Document"), f"{{{soap.NS_XOP}}}Include")
        inc.set("href", f"cid:{cid}")
        corps, type_contenu = soap.mtom(soap.enveloppe(action, rep), {cid: (contenu, mime)}, action)
        appel.resultat = "Success"
        return Reponse(200, corps, type_contenu)

    def iti57(self, message: soap.MessageRecu, jeton: vihf.VihfVerifie, appel: AppelDmp):
        sor = message.corps
        liste = sor.find(ebxml.R("RegistryObjectList")) if sor is not None else None
        if liste is None:
            raise RefusXds(_e("XDSMetadataUpdateError", "SubmitObjectsRequest/RegistryObjectList absent"))
        eos = liste.findall(ebxml.R("ExtrinsicObject"))
        if len(eos) != 1:
            raise RefusXds(_e("XDSMetadataUpdateError", "une et une seule fiche mise à jour est simulée"))
        try:
            nouvelle = ebxml.lire_extrinsic(eos[0])
        except ebxml.MetadonneesIllisibles as exc:
            raise RefusXds(_e("XDSRegistryMetadataError", str(exc))) from None
        appel.unique_ids = (nouvelle.unique_id,)
        asso = next((a for a in liste.findall(ebxml.R("Association"))
                     if a.get("associationType") == ebxml.HAS_MEMBER and a.get("targetObject") == eos[0].get("id")), None)
        precedente_version = ""
        if asso is not None:
            s = asso.find(f"{ebxml.R('Slot')}[@name='PreviousVersion']")
            precedente_version = s.findtext(f"{ebxml.R('ValueList')}/{ebxml.R('Value')}", "") if s is not None else ""
        courante = self.registre.courante(nouvelle.logical_id)
        if courante is None:
            raise RefusXds(_e("XDSMetadataUpdateError", f"aucune fiche approuvée de lid {nouvelle.logical_id}"))
        fiche, structure = courante
        if precedente_version != fiche.version:
            raise RefusXds(_e("XDSMetadataVersionError",
                              f"PreviousVersion {precedente_version or '(absente)'} ≠ version courante {fiche.version}"))
        if nouvelle.unique_id != fiche.unique_id or nouvelle.patient_id != fiche.patient_id:
            raise RefusXds(_e("XDSMetadataUpdateError", "uniqueId et patientId ne peuvent pas changer"))
        if nouvelle.patient_id != self._patient_vihf(jeton):
            raise RefusXds(_e("XDSPatientIdDoesNotMatch", "patient différent du patient du jeton VIHF"))
        if structure != appel.structure:
            raise RefusXds(_e("XDSMetadataUpdateError", "seule la structure auteure peut modifier la fiche"))
        erreurs = [e for e in self._controler_codes(nouvelle)]
        if erreurs:
            raise RefusXds(*erreurs)
        nouvelle.entry_uuid = f"urn:uuid:{uuid.uuid4()}"
        nouvelle.version = str(int(fiche.version) + 1)
        nouvelle.statut, nouvelle.repository_id = APPROUVE, fiche.repository_id
        nouvelle.hash, nouvelle.taille = fiche.hash, fiche.taille
        self.registre.enregistrer(nouvelle, structure, None, deprecier=fiche.entry_uuid)
        return ebxml.registry_response()


# --------------------------------------------------------------------------- HTTPS server


class BouchonDmp(BouchonHttps):
    """The stand-in server on a loopback port (0 = a free one); `base` is the SQLite file (":memory:" in tests)."""

    nom_serveur = "SocleBouchonDMP/1.0"
    nom_fil = "bouchon-dmp"

    def __init__(self, pki: PkiBouchonDmp, base: Path | str, hote: str = "127.0.0.1", port: int = 0,
                 valideurs_cda: list[Callable[[bytes], list[str]]] | None = None):
        self.registre = Registre(base)
        self.service = ServiceDmp(self.registre, pki.autorite().cert, valideurs_cda)
        super().__init__(pki, hote, port)

    @property
    def journal(self) -> Journal:
        return self.service.journal

    @property
    def url_base(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def preparer(self) -> None:
        self.service.xsd()
        tables.jeu("J07")

    def refuser_tls(self, raison: str) -> None:
        self.journal.refus_tls.append(raison)

    def repondre(self, requete: Requete) -> Reponse:
        if requete.methode != "POST" or requete.chemin.rstrip("/") not in ("/repository", "/registry"):
            return Reponse(404, b"introuvable")
        type_contenu = next((v for k, v in requete.entetes.items() if k.lower() == "content-type"), "")
        return self.service.traiter(requete.chemin, requete.corps, type_contenu, requete.pair.organisation)

    def arreter(self) -> None:
        super().arreter()
        self.registre.fermer()


_local: BouchonDmp | None = None
_local_lock = threading.Lock()
# Extra CDA checks of the per-process stand-in, registered by the apps that have them (the documents app adds
# the structuration-minimale schematron of its ANS kit): the connector itself depends on no domain app.
VALIDEURS_LOCAUX: list[Callable[[bytes], list[str]]] = []


def dossier_donnees() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "dmp-standin"


def pki_locale() -> PkiBouchonDmp:
    """The PKI of this installation's stand-in (its CA issues the organisations' DMP certificates in the demo
    and the tests)."""
    return assurer_pki(dossier_donnees())


def bouchon_local() -> BouchonDmp:
    """The per-process stand-in on 127.0.0.1 (free port), started on first use, its base in the data folder."""
    global _local
    with _local_lock:
        if _local is None:
            _local = BouchonDmp(pki_locale(), dossier_donnees() / "dmp.sqlite3",
                                valideurs_cda=VALIDEURS_LOCAUX).demarrer()
        return _local
