"""XDS metadata of a DocumentEntry derived from the CDA header (CI-SIS "Mapping VIHF et XDS", facts in the
connector's SOURCE note): typeCode ← code, classCode ← ASS_X04(typeCode), confidentialityCode ←
confidentialityCode (+ the DMP masking codes asked), creationTime ← effectiveTime, formatCode ← ASS_A11
(templateId) or the IHE PDF format for a PDF body, healthcareFacilityTypeCode ← healthCareFacility/code,
practiceSettingCode ← performer's standardIndustryClassCode, patientId ← the INS of recordTarget (only an INS
OID is accepted: a CDA without INS cannot be sent), authors ← author/assignedAuthor, uniqueId ← id.
"""

import datetime as dt
import hashlib

from lxml import etree

from . import tables
from .interface import (
    CODES_MASQUAGE,
    OID_MASQUAGE,
    OIDS_INS,
    Auteur,
    Code,
    DmpErreurPermanente,
    FicheDocument,
)

NS = {"h": "urn:hl7-org:v3"}
PARSEUR_CDA = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
LIBELLES_MASQUAGE = {
    "MASQUE_PS": "Masqué aux professionnels de santé",
    "INVISIBLE_PATIENT": "Non visible par le patient",
    "INVISIBLE_REPRESENTANTS_LEGAUX": "Non visible par les représentants légaux du patient",
}


class MetadonneesInvalides(DmpErreurPermanente):
    """The CDA header does not give what the DMP requires: the message names the element and the rule."""

    def __init__(self, message: str):
        super().__init__(message, code="metadonnees")


def instant_hl7_utc(valeur: str) -> str:
    """An HL7 TS (YYYYMMDD[hhmm[ss]][+zzzz]) as XDS wants it: UTC, YYYYMMDDhhmmss."""
    v = (valeur or "").strip()
    if len(v) < 8:
        raise ValueError(valeur)
    corps, zone = v, ""
    for signe in "+-":
        if signe in v[8:]:
            i = v.index(signe, 8)
            corps, zone = v[:i], v[i:]
    corps = (corps + "000000")[:14]
    instant = dt.datetime.strptime(corps, "%Y%m%d%H%M%S")
    if zone:
        decalage = dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5] or 0))
        instant = instant - decalage if zone[0] == "+" else instant + decalage
    return instant.strftime("%Y%m%d%H%M%S")


def _code(el, quoi: str) -> Code:
    if el is None or not el.get("code") or not el.get("codeSystem"):
        raise MetadonneesInvalides(f"Élément {quoi} absent ou sans @code / @codeSystem dans l'en-tête du CDA.")
    return Code(el.get("code"), el.get("codeSystem"), el.get("displayName", ""))


def _unique_id(el) -> str:
    if el is None or not el.get("root"):
        raise MetadonneesInvalides("Élément ClinicalDocument/id absent ou sans @root.")
    return f"{el.get('root')}^{el.get('extension')}" if el.get("extension") else el.get("root")


def unique_id_du_cda(cda: bytes) -> str:
    """XDS uniqueId of a CDA: id@root, with ^extension when there is one."""
    return _unique_id(lire_cda(cda).find("h:id", NS))


def lire_cda(cda: bytes):
    try:
        racine = etree.fromstring(cda, PARSEUR_CDA)
    except etree.XMLSyntaxError as exc:
        raise MetadonneesInvalides(f"Le document n'est pas un XML lisible : {exc}") from None
    if racine.tag != "{urn:hl7-org:v3}ClinicalDocument":
        raise MetadonneesInvalides("L'élément racine doit être ClinicalDocument (urn:hl7-org:v3).")
    return racine


def ins_du_cda(racine) -> tuple[str, str]:
    """(INS, OID) from recordTarget/patientRole/id with an INS OID; MetadonneesInvalides when absent."""
    for ident in racine.findall("h:recordTarget/h:patientRole/h:id", NS):
        if ident.get("root") in OIDS_INS and ident.get("extension"):
            return ident.get("extension"), ident.get("root")
    raise MetadonneesInvalides(
        "recordTarget/patientRole/id : aucun INS (OID 1.2.250.1.213.1.4.8, .9 ou .10). Seul un document dont "
        "l'identité de l'usager est qualifiée (INS dans l'en-tête) peut alimenter le DMP."
    )


def _auteurs(racine) -> tuple[Auteur, ...]:
    auteurs = []
    for a in racine.findall("h:author", NS):
        aa = a.find("h:assignedAuthor", NS)
        if aa is None:
            continue
        ident = aa.find("h:id", NS)
        nom = aa.find("h:assignedPerson/h:name", NS)
        spec = aa.find("h:code", NS)
        fonction = a.find("h:functionCode", NS)
        org = aa.find("h:representedOrganization", NS)
        org_id = org.find("h:id", NS) if org is not None else None
        auteurs.append(Auteur(
            identifiant=(ident.get("extension") or "") if ident is not None else "",
            identifiant_oid=(ident.get("root") or "") if ident is not None else "",
            nom=(nom.findtext("h:family", "", NS) if nom is not None else "").strip(),
            prenom=(nom.findtext("h:given", "", NS) if nom is not None else "").strip(),
            specialite=Code(spec.get("code"), spec.get("codeSystem", ""), spec.get("displayName", ""))
            if spec is not None and spec.get("code") else None,
            role=Code(fonction.get("code"), fonction.get("codeSystem", ""), fonction.get("displayName", ""))
            if fonction is not None and fonction.get("code") else None,
            institution_nom=(org.findtext("h:name", "", NS) if org is not None else "").strip(),
            institution_id=(org_id.get("extension") or "") if org_id is not None else "",
        ))
    if not auteurs:
        raise MetadonneesInvalides("Élément author/assignedAuthor absent de l'en-tête du CDA.")
    return tuple(auteurs)


def fiche_depuis_cda(cda: bytes, *, masquage: tuple[str, ...] = (), source_patient_id: str = "",
                     repository_id: str = "") -> FicheDocument:
    """The DocumentEntry of `cda`, every value checked against the vendored value sets. `masquage`: DMP
    masking codes to add to the CDA's confidentiality (MASQUE_PS, INVISIBLE_PATIENT, …)."""
    racine = lire_cda(cda)
    notes: list[str] = []
    type_code = _code(racine.find("h:code", NS), "ClinicalDocument/code")
    if not tables.dans_jeu("J07", type_code):
        raise MetadonneesInvalides(
            f"ClinicalDocument/code {type_code.code} ({type_code.schema}) : type de document absent du jeu de "
            "valeurs JDV_J07-XdsTypeCode-CISIS, le DMP le refuserait."
        )
    try:
        classe, statut = tables.classe_pour(type_code.code)
    except KeyError:
        raise MetadonneesInvalides(
            f"Type de document {type_code.code} : aucune classe dans la table ASS_X04 chargée."
        ) from None
    if statut:
        notes.append(f"classCode {classe.code} déduit de la table ASS_X04 : ligne {statut}.")
    confid = _code(racine.find("h:confidentialityCode", NS), "confidentialityCode")
    if not tables.dans_jeu("J08", confid):
        raise MetadonneesInvalides(f"confidentialityCode {confid.code} : hors du jeu de valeurs JDV_J08.")
    confidentialite = [confid]
    for m in masquage:
        if m not in CODES_MASQUAGE:
            raise MetadonneesInvalides(f"Code de masquage {m} inconnu (attendus : {', '.join(CODES_MASQUAGE)}).")
        confidentialite.append(Code(m, OID_MASQUAGE, LIBELLES_MASQUAGE[m]))
    temps = racine.find("h:effectiveTime", NS)
    try:
        creation = instant_hl7_utc(temps.get("value") if temps is not None else "")
    except ValueError:
        raise MetadonneesInvalides("ClinicalDocument/effectiveTime absent ou mal formé (AAAAMMJJhhmmss+zzzz).") from None
    templates = [t.get("root") for t in racine.findall("h:templateId", NS)]
    corps_pdf = racine.find("h:component/h:nonXMLBody/h:text", NS)
    if corps_pdf is not None:
        if corps_pdf.get("mediaType") != "application/pdf":
            raise MetadonneesInvalides("component/nonXMLBody/text : seul un corps PDF (application/pdf) est pris en charge.")
        format_code = tables.FORMAT_PDF
    else:
        format_code = tables.format_pour_modele(templates)
        if format_code is None:
            raise MetadonneesInvalides(
                "templateId : aucun modèle de document structuré connu (table ASS_A11) ; formatCode indéterminable."
            )
    hcft = _code(racine.find("h:componentOf/h:encompassingEncounter/h:location/h:healthCareFacility/h:code", NS),
                 "componentOf/encompassingEncounter/location/healthCareFacility/code")
    if not tables.dans_jeu("J02", hcft):
        raise MetadonneesInvalides(f"healthCareFacility/code {hcft.code} : hors du jeu de valeurs JDV_J02.")
    practice = _code(racine.find(
        "h:documentationOf/h:serviceEvent/h:performer/h:assignedEntity/h:representedOrganization/"
        "h:standardIndustryClassCode", NS), "documentationOf/serviceEvent/performer/…/standardIndustryClassCode")
    if not tables.dans_jeu("J04", practice):
        raise MetadonneesInvalides(f"standardIndustryClassCode {practice.code} : hors du jeu de valeurs JDV_J04.")
    ins, oid = ins_du_cda(racine)
    debut = racine.find("h:documentationOf/h:serviceEvent/h:effectiveTime/h:low", NS)
    fin = racine.find("h:documentationOf/h:serviceEvent/h:effectiveTime/h:high", NS)
    titre = (racine.findtext("h:title", "", NS) or "").strip()
    if not titre:
        raise MetadonneesInvalides("ClinicalDocument/title absent ou vide.")
    return FicheDocument(
        unique_id=_unique_id(racine.find("h:id", NS)),
        titre=titre,
        type_code=Code(type_code.code, type_code.schema, type_code.libelle or tables.libelle("J07", type_code.code, type_code.schema)),
        class_code=classe,
        format_code=format_code,
        confidentialite=tuple(confidentialite),
        creation=creation,
        hcft=hcft,
        practice=practice,
        patient_id=f"{ins}^^^&{oid}&ISO^NH",
        source_patient_id=source_patient_id,
        auteurs=_auteurs(racine),
        langue=(racine.find("h:languageCode", NS).get("code") if racine.find("h:languageCode", NS) is not None
                else "fr-FR"),
        hash=hashlib.sha1(cda).hexdigest(),  # noqa: S324 - XDS hash is SHA-1 by specification
        taille=len(cda),
        service_debut=instant_hl7_utc(debut.get("value")) if debut is not None and debut.get("value") else "",
        service_fin=instant_hl7_utc(fin.get("value")) if fin is not None and fin.get("value") else "",
        repository_id=repository_id,
        notes=tuple(notes),
    )
