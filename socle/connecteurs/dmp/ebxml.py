"""ebXML Registry (ebRIM 3.0) messages of IHE XDS.b, written from IHE ITI TF-3 §4.2 (metadata) and TF-2b
(ITI-18, ITI-41, ITI-43, ITI-57): a DocumentEntry ↔ ExtrinsicObject, the SubmissionSet, the associations
(HasMember, RPLC), stored queries, RegistryResponse with its RegistryErrors. Used by the client to write the
requests and read the answers, and by the stand-in to read the requests and write the answers: one
definition of the wire format.
"""

import datetime as dt
import uuid

from lxml import etree

from .interface import APPROUVE, Auteur, Code, ErreurXds, FicheDocument

NS_RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
NS_LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
NS_RS = "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0"
NS_QUERY = "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0"
NS_XDSB = "urn:ihe:iti:xds-b:2007"
NS_XOP = "http://www.w3.org/2004/08/xop/include"
NSMAP = {"rim": NS_RIM, "lcm": NS_LCM, "rs": NS_RS, "query": NS_QUERY, "xds": NS_XDSB}

DOC_ENTRY = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
SS_NODE = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
SCHEMES = {
    "class": "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a",
    "confidentiality": "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f",
    "format": "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
    "hcft": "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1",
    "practice": "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead",
    "type": "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983",
    "author": "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d",
    "ss_author": "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d",
    "ss_content": "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500",
}
IDENT = {
    "de_patient": "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427",
    "de_unique": "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab",
    "ss_patient": "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446",
    "ss_source": "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832",
    "ss_unique": "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8",
}
HAS_MEMBER = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
RPLC = "urn:ihe:iti:2007:AssociationType:RPLC"
SUCCES = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"
ECHEC = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure"
GRAVITE_ERREUR = "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"
FIND_DOCUMENTS = "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"
GET_DOCUMENTS = "urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4"


def contenu_pour(fiche: FicheDocument) -> Code:
    """SubmissionSet.contentTypeCode (JDV_J59-ContentTypeCode-DMP, which takes TRE_A00, TRE_R209 or TRE_R02 codes):
    the structure's sector of activity (TRE_R02, the document's healthcareFacilityTypeCode)."""
    return fiche.hcft


def R(tag: str) -> str:
    return f"{{{NS_RIM}}}{tag}"


def _slot(parent, nom: str, valeurs) -> None:
    s = etree.SubElement(parent, R("Slot"), name=nom)
    vl = etree.SubElement(s, R("ValueList"))
    for v in valeurs:
        etree.SubElement(vl, R("Value")).text = v


def _nom(parent, texte: str, tag: str = "Name") -> None:
    n = etree.SubElement(parent, R(tag))
    etree.SubElement(n, R("LocalizedString"), value=texte, charset="UTF-8", lang="fr-FR")


def _classification(parent, schema: str, objet: str, code: Code) -> None:
    c = etree.SubElement(parent, R("Classification"), id=f"urn:uuid:{uuid.uuid4()}", objectType=
                         "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification",
                         classificationScheme=schema, classifiedObject=objet, nodeRepresentation=code.code)
    _slot(c, "codingScheme", [code.schema])
    _nom(c, code.libelle or code.code)


def _auteur(parent, schema: str, objet: str, auteur: Auteur) -> None:
    c = etree.SubElement(parent, R("Classification"), id=f"urn:uuid:{uuid.uuid4()}", classificationScheme=schema,
                         classifiedObject=objet, nodeRepresentation="")
    if auteur.xcn():
        _slot(c, "authorPerson", [auteur.xcn()])
    if auteur.xon():
        _slot(c, "authorInstitution", [auteur.xon()])
    if auteur.role:
        _slot(c, "authorRole", [f"{auteur.role.code}^{auteur.role.libelle}^{auteur.role.schema}"])
    if auteur.specialite:
        _slot(c, "authorSpecialty", [f"{auteur.specialite.code}^{auteur.specialite.libelle}^{auteur.specialite.schema}"])


def _identifiant(parent, schema: str, objet: str, valeur: str, nom: str) -> None:
    e = etree.SubElement(parent, R("ExternalIdentifier"), id=f"urn:uuid:{uuid.uuid4()}", registryObject=objet,
                         identificationScheme=schema, value=valeur)
    _nom(e, nom)


def extrinsic(fiche: FicheDocument, objet: str) -> etree._Element:
    """The ExtrinsicObject of a DocumentEntry (`objet`: its id in the message: symbolic or urn:uuid)."""
    attrs = {"id": objet, "mimeType": fiche.mime, "objectType": DOC_ENTRY, "status": fiche.statut}
    if fiche.logical_id:
        attrs["lid"] = fiche.logical_id
    eo = etree.Element(R("ExtrinsicObject"), attrs)
    _slot(eo, "creationTime", [fiche.creation])
    _slot(eo, "languageCode", [fiche.langue])
    if fiche.service_debut:
        _slot(eo, "serviceStartTime", [fiche.service_debut])
    if fiche.service_fin:
        _slot(eo, "serviceStopTime", [fiche.service_fin])
    _slot(eo, "sourcePatientId", [fiche.source_patient_id or fiche.patient_id])
    if fiche.hash:
        _slot(eo, "hash", [fiche.hash])
    if fiche.taille:
        _slot(eo, "size", [str(fiche.taille)])
    if fiche.repository_id:
        _slot(eo, "repositoryUniqueId", [fiche.repository_id])
    _nom(eo, fiche.titre)
    if fiche.version and fiche.logical_id:
        etree.SubElement(eo, R("VersionInfo"), versionName=fiche.version)
    for a in fiche.auteurs:
        _auteur(eo, SCHEMES["author"], objet, a)
    _classification(eo, SCHEMES["class"], objet, fiche.class_code)
    for c in fiche.confidentialite:
        _classification(eo, SCHEMES["confidentiality"], objet, c)
    _classification(eo, SCHEMES["format"], objet, fiche.format_code)
    _classification(eo, SCHEMES["hcft"], objet, fiche.hcft)
    _classification(eo, SCHEMES["practice"], objet, fiche.practice)
    _classification(eo, SCHEMES["type"], objet, fiche.type_code)
    _identifiant(eo, IDENT["de_patient"], objet, fiche.patient_id, "XDSDocumentEntry.patientId")
    _identifiant(eo, IDENT["de_unique"], objet, fiche.unique_id, "XDSDocumentEntry.uniqueId")
    return eo


def _texte_slot(el, nom: str) -> list[str]:
    s = el.find(f"rim:Slot[@name='{nom}']", NSMAP)
    return [v.text or "" for v in s.findall("rim:ValueList/rim:Value", NSMAP)] if s is not None else []


def _un(el, nom: str) -> str:
    v = _texte_slot(el, nom)
    return v[0] if v else ""


def _code_classif(c) -> Code:
    nom = c.find("rim:Name/rim:LocalizedString", NSMAP)
    return Code(c.get("nodeRepresentation", ""), _un(c, "codingScheme"), nom.get("value", "") if nom is not None else "")


def _lire_cwe(v: str) -> Code | None:
    if not v:
        return None
    p = (v.split("^") + ["", "", ""])[:3]
    return Code(p[0], p[2], p[1])


def _lire_auteur(c) -> Auteur:
    xcn = (_un(c, "authorPerson").split("^") + [""] * 9)
    xon = (_un(c, "authorInstitution").split("^") + [""] * 10)
    oid = xcn[8].split("&")[1] if "&" in xcn[8] else ""
    return Auteur(identifiant=xcn[0], identifiant_oid=oid, nom=xcn[1], prenom=xcn[2],
                  specialite=_lire_cwe(_un(c, "authorSpecialty")), role=_lire_cwe(_un(c, "authorRole")),
                  institution_nom=xon[0], institution_id=xon[9])


class MetadonneesIllisibles(ValueError):
    """An ExtrinsicObject missing a required part: the message names it (XDSRegistryMetadataError)."""


def lire_extrinsic(eo) -> FicheDocument:
    """FicheDocument of an ExtrinsicObject (request or query answer); MetadonneesIllisibles when a required
    classification or identifier is missing."""
    objet = eo.get("id", "")
    classif: dict[str, list] = {}
    for c in eo.findall("rim:Classification", NSMAP):
        classif.setdefault(c.get("classificationScheme"), []).append(c)
    idents = {e.get("identificationScheme"): e.get("value", "") for e in eo.findall("rim:ExternalIdentifier", NSMAP)}

    def seul(cle: str, quoi: str) -> Code:
        trouves = classif.get(SCHEMES[cle], [])
        if len(trouves) != 1:
            raise MetadonneesIllisibles(f"{quoi} : {len(trouves)} classification(s) au lieu d'une ({objet}).")
        return _code_classif(trouves[0])

    for cle, quoi in (("de_patient", "XDSDocumentEntry.patientId"), ("de_unique", "XDSDocumentEntry.uniqueId")):
        if not idents.get(IDENT[cle]):
            raise MetadonneesIllisibles(f"{quoi} absent ({objet}).")
    creation = _un(eo, "creationTime")
    if not creation:
        raise MetadonneesIllisibles(f"creationTime absent ({objet}).")
    nom = eo.find("rim:Name/rim:LocalizedString", NSMAP)
    version = eo.find("rim:VersionInfo", NSMAP)
    taille = _un(eo, "size")
    return FicheDocument(
        unique_id=idents[IDENT["de_unique"]],
        titre=nom.get("value", "") if nom is not None else "",
        type_code=seul("type", "typeCode"),
        class_code=seul("class", "classCode"),
        format_code=seul("format", "formatCode"),
        confidentialite=tuple(_code_classif(c) for c in classif.get(SCHEMES["confidentiality"], [])),
        creation=creation,
        hcft=seul("hcft", "healthcareFacilityTypeCode"),
        practice=seul("practice", "practiceSettingCode"),
        patient_id=idents[IDENT["de_patient"]],
        source_patient_id=_un(eo, "sourcePatientId"),
        auteurs=tuple(_lire_auteur(c) for c in classif.get(SCHEMES["author"], [])),
        langue=_un(eo, "languageCode") or "fr-FR",
        mime=eo.get("mimeType", ""),
        hash=_un(eo, "hash"),
        taille=int(taille) if taille.isdigit() else 0,
        service_debut=_un(eo, "serviceStartTime"),
        service_fin=_un(eo, "serviceStopTime"),
        entry_uuid=objet if objet.startswith("urn:uuid:") else "",
        logical_id=eo.get("lid", ""),
        version=version.get("versionName", "1") if version is not None else "1",
        statut=eo.get("status", APPROUVE) or APPROUVE,
        repository_id=_un(eo, "repositoryUniqueId"),
    )


def maintenant_xds() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")


def submission_set(fiche: FicheDocument, source_id: str, unique_id: str, contenu: Code, auteur: Auteur | None = None,
                   titre: str = "") -> etree._Element:
    ss = "SubmissionSet01"
    rp = etree.Element(R("RegistryPackage"), id=ss)
    _slot(rp, "submissionTime", [maintenant_xds()])
    _nom(rp, titre or fiche.titre)
    if auteur is not None:
        _auteur(rp, SCHEMES["ss_author"], ss, auteur)
    _classification(rp, SCHEMES["ss_content"], ss, contenu)
    _identifiant(rp, IDENT["ss_unique"], ss, unique_id, "XDSSubmissionSet.uniqueId")
    _identifiant(rp, IDENT["ss_source"], ss, source_id, "XDSSubmissionSet.sourceId")
    _identifiant(rp, IDENT["ss_patient"], ss, fiche.patient_id, "XDSSubmissionSet.patientId")
    return rp


def _noeud_ss() -> etree._Element:
    return etree.Element(R("Classification"), id=f"urn:uuid:{uuid.uuid4()}", classifiedObject="SubmissionSet01",
                         classificationNode=SS_NODE)


def association(type_: str, source: str, cible: str, slots: dict | None = None) -> etree._Element:
    a = etree.Element(R("Association"), id=f"urn:uuid:{uuid.uuid4()}", associationType=type_, sourceObject=source,
                      targetObject=cible)
    for nom, valeurs in (slots or {}).items():
        _slot(a, nom, valeurs)
    return a


def provide_and_register(fiche: FicheDocument, *, source_id: str, ss_unique_id: str, contenu: Code,
                         cid: str, remplace_uuid: str = "") -> etree._Element:
    """ITI-41 body: ProvideAndRegisterDocumentSetRequest with the document as an XOP include of `cid`."""
    req = etree.Element(f"{{{NS_XDSB}}}ProvideAndRegisterDocumentSetRequest", nsmap=NSMAP | {"xop": NS_XOP})
    sor = etree.SubElement(req, f"{{{NS_LCM}}}SubmitObjectsRequest")
    liste = etree.SubElement(sor, R("RegistryObjectList"))
    auteur = fiche.auteurs[0] if fiche.auteurs else None
    liste.append(submission_set(fiche, source_id, ss_unique_id, contenu, auteur))
    liste.append(extrinsic(fiche, "Document01"))
    liste.append(_noeud_ss())
    liste.append(association(HAS_MEMBER, "SubmissionSet01", "Document01", {"SubmissionSetStatus": ["Original"]}))
    if remplace_uuid:
        liste.append(association(RPLC, "Document01", remplace_uuid))
    doc = etree.SubElement(req, f"{{{NS_XDSB}}}Document", id="Document01")
    etree.SubElement(doc, f"{{{NS_XOP}}}Include", href=f"cid:{cid}")
    return req


def mise_a_jour(fiche: FicheDocument, nouvelle_confidentialite: tuple[Code, ...], *, source_id: str,
                ss_unique_id: str, contenu: Code) -> etree._Element:
    """ITI-57 body: a new version of the DocumentEntry (same logical id) with its new confidentiality codes,
    associated to the submission set with PreviousVersion."""
    sor = etree.Element(f"{{{NS_LCM}}}SubmitObjectsRequest", nsmap=NSMAP)
    liste = etree.SubElement(sor, R("RegistryObjectList"))
    auteur = fiche.auteurs[0] if fiche.auteurs else None
    liste.append(submission_set(fiche, source_id, ss_unique_id, contenu, auteur, titre="Mise à jour de métadonnées"))
    nouvelle = FicheDocument(**{**fiche.__dict__, "confidentialite": nouvelle_confidentialite,
                                "logical_id": fiche.logical_id or fiche.entry_uuid})
    nouvel_id = f"urn:uuid:{uuid.uuid4()}"
    liste.append(extrinsic(nouvelle, nouvel_id))
    liste.append(_noeud_ss())
    liste.append(association(HAS_MEMBER, "SubmissionSet01", nouvel_id,
                             {"SubmissionSetStatus": ["Original"], "PreviousVersion": [fiche.version or "1"]}))
    return sor


def requete_find_documents(patient_cx: str, statuts: tuple[str, ...]) -> etree._Element:
    """ITI-18 FindDocuments (LeafClass) for a patient."""
    q = etree.Element(f"{{{NS_QUERY}}}AdhocQueryRequest", nsmap=NSMAP)
    etree.SubElement(q, f"{{{NS_QUERY}}}ResponseOption", returnComposedObjects="true", returnType="LeafClass")
    aq = etree.SubElement(q, R("AdhocQuery"), id=FIND_DOCUMENTS)
    _slot(aq, "$XDSDocumentEntryPatientId", [f"'{patient_cx}'"])
    _slot(aq, "$XDSDocumentEntryStatus", ["(" + ",".join(f"'{s}'" for s in statuts) + ")"])
    return q


def requete_retrieve(repository_id: str, unique_id: str) -> etree._Element:
    r = etree.Element(f"{{{NS_XDSB}}}RetrieveDocumentSetRequest", nsmap=NSMAP)
    d = etree.SubElement(r, f"{{{NS_XDSB}}}DocumentRequest")
    etree.SubElement(d, f"{{{NS_XDSB}}}RepositoryUniqueId").text = repository_id
    etree.SubElement(d, f"{{{NS_XDSB}}}DocumentUniqueId").text = unique_id
    return r


def registry_response(erreurs: tuple[ErreurXds, ...] = ()) -> etree._Element:
    rr = etree.Element(f"{{{NS_RS}}}RegistryResponse", nsmap=NSMAP, status=ECHEC if erreurs else SUCCES)
    ajouter_erreurs(rr, erreurs)
    return rr


def ajouter_erreurs(parent, erreurs: tuple[ErreurXds, ...]) -> None:
    if not erreurs:
        return
    liste = etree.SubElement(parent, f"{{{NS_RS}}}RegistryErrorList")
    for e in erreurs:
        etree.SubElement(liste, f"{{{NS_RS}}}RegistryError", errorCode=e.code, codeContext=e.contexte,
                         location=e.emplacement, severity=GRAVITE_ERREUR)


def lire_erreurs(el) -> tuple[ErreurXds, ...]:
    return tuple(
        ErreurXds(e.get("errorCode", ""), e.get("codeContext", ""), e.get("location", ""),
                  (e.get("severity", "") or "").rsplit(":", 1)[-1])
        for e in el.iter(f"{{{NS_RS}}}RegistryError")
    )
