"""The CDA R2 header shared by every document Socle produces (CI-SIS structuration minimale).

The usager's INS (matricule + clé, with its OID) and her strict traits of birth (birth place) are written in
`recordTarget` only when her identity is QUALIFIED (RNIV); otherwise the patient is identified by the local
identifier only, and the document cannot be sent (`services.demander_envoi`)."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from lxml import etree

from socle.usagers.models import Statut

NS = "urn:hl7-org:v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {None: NS, "xsi": XSI}
OID_RPPS = "1.2.250.1.71.4.2.1"  # identifiant national PP: "8" + RPPS
OID_STRUCTURE = "1.2.250.1.71.4.2.2"  # identifiant national de structure: "1" + FINESS
OID_LOINC = "2.16.840.1.113883.6.1"
OID_CONFIDENTIALITE = "2.16.840.1.113883.5.25"
JDV = Path(__file__).resolve().parent.parent / "validation" / "kit" / "jeuxDeValeurs"
# healthcareFacilityTypeCode (TRE_R02 via JDV_J02) by FINESS category: EHPAD and residences → SA17 (personnes
# âgées); handicap → SA16; everything else of the medico-social sector → SA41.
CATEGORIES_PERSONNES_AGEES = {"500", "501", "502", "202", "207", "381"}
CATEGORIES_HANDICAP = {
    "182",
    "183",
    "186",
    "188",
    "189",
    "190",
    "192",
    "194",
    "195",
    "196",
    "238",
    "246",
    "249",
    "252",
    "253",
    "255",
    "370",
    "377",
    "379",
    "382",
    "390",
    "395",
    "396",
    "402",
    "437",
    "445",
    "446",
    "448",
    "449",
}


def el(parent, tag: str, text: str | None = None, **attrs: str):
    e = etree.SubElement(
        parent, f"{{{NS}}}{tag}", {k.rstrip("_"): v for k, v in attrs.items() if v is not None}
    )
    if text is not None:
        e.text = text
    return e


def xsi_type(e, valeur: str):
    e.set(f"{{{XSI}}}type", valeur)
    return e


def horodatage(moment: datetime | date) -> str:
    """HL7 TS: yyyymmddhhmmss+zzzz (local time), or yyyymmdd for a date."""
    if isinstance(moment, datetime):
        return timezone.localtime(moment).strftime("%Y%m%d%H%M%S%z")
    return moment.strftime("%Y%m%d")


@cache
def concepts(fichier: str) -> dict[str, tuple[str, str]]:
    """code → (codeSystem, displayName) of a vendored value set."""
    racine = etree.parse(str(JDV / fichier)).getroot()
    return {c.get("code"): (c.get("codeSystem"), c.get("displayName")) for c in racine.iter("{*}Concept")}


def oid_socle() -> str:
    """Root of Socle's local identifiers (IPP, document ids): `SOCLE_OID_RACINE`, the installation's own OID."""
    return settings.SOCLE_OID_RACINE


def _adresse(parent, etablissement) -> None:
    addr = el(parent, "addr")
    if etablissement.adresse:
        el(addr, "streetAddressLine", etablissement.adresse)
    if etablissement.code_postal:
        el(addr, "postalCode", etablissement.code_postal)
    if etablissement.commune:
        el(addr, "city", etablissement.commune)
    if not len(addr):
        addr.set("nullFlavor", "UNK")


def _telecom(parent, etablissement) -> None:
    tel = "".join(c for c in (etablissement.telephone or "") if c.isdigit())
    if tel:
        el(parent, "telecom", value=f"tel:{tel}", use="WP")
    else:
        el(parent, "telecom", nullFlavor="UNK")


def organisation(parent, tag: str, etablissement, *, secteur: bool = False):
    org = el(parent, tag)
    el(org, "id", root=OID_STRUCTURE, extension=f"1{etablissement.finess}")
    el(org, "name", etablissement.nom_long or etablissement.nom)
    _telecom(org, etablissement)
    _adresse(org, etablissement)
    if secteur:
        systeme, libelle = concepts("JDV_J04_XdsPracticeSettingCode_CISIS.xml")["ESSMS"]
        el(org, "standardIndustryClassCode", code="ESSMS", displayName=libelle, codeSystem=systeme)
    return org


def code_auteur(document) -> tuple[str, str, str]:
    """(code, codeSystem, displayName) of the author's profession or rôle in JDV_J01 (XDS authorSpecialty)."""
    j01 = concepts("JDV_J01_XdsAuthorSpecialty_CISIS.xml")
    candidats = []
    if document.auteur_id:
        situation = document.auteur.situations.filter(etablissement=document.etablissement).first()
        profession = situation.profession if situation else ""
        if profession and profession != "99":
            candidats.append(f"G15_{profession}")
            candidats.append(profession)
        if document.auteur_role:
            candidats.append(document.auteur_role)
    candidats.append("LOGICIEL_DUI")
    for c in candidats:
        if c in j01:
            return c, j01[c][0], j01[c][1]
    raise ValueError("JDV_J01 sans LOGICIEL_DUI")


def personne(parent, tag: str, pro) -> None:
    p = el(parent, tag)
    nom = el(p, "name")
    if pro.civilite:
        el(nom, "prefix", "MME" if pro.civilite == "MME" else "M")
    el(nom, "given", pro.prenom_usuel or (pro.prenoms[0] if pro.prenoms else ""))
    el(nom, "family", pro.nom_usage or pro.nom_naissance)


def entite_auteur(parent, tag: str, document, *, code: bool = True):
    """assignedAuthor / assignedEntity: the professional (RPPS) or, without one, the structure."""
    entite = el(parent, tag)
    etab = document.etablissement
    if document.auteur_id and document.auteur_rpps:
        el(entite, "id", root=OID_RPPS, extension=f"8{document.auteur_rpps}")
    else:
        el(entite, "id", root=OID_STRUCTURE, extension=f"1{etab.finess}")
    if code:
        c, systeme, libelle = code_auteur(document)
        el(entite, "code", code=c, codeSystem=systeme, displayName=libelle)
    _adresse(entite, etab)
    _telecom(entite, etab)
    if document.auteur_id:
        personne(entite, "assignedPerson", document.auteur)
    elif tag == "assignedAuthor":
        dev = el(entite, "assignedAuthoringDevice")
        el(dev, "manufacturerModelName", "Socle")
        el(dev, "softwareName", "Socle")
    else:
        p = el(entite, "assignedPerson")
        el(el(p, "name"), "family", etab.nom)
    organisation(entite, "representedOrganization", etab, secteur=True)
    return entite


def type_etablissement(etablissement) -> str:
    cat = etablissement.categorie_code or ""
    if cat in CATEGORIES_PERSONNES_AGEES:
        return "SA17"
    if cat in CATEGORIES_HANDICAP:
        return "SA16"
    return "SA41"


def record_target(racine, usager, etablissement) -> None:
    role = el(el(racine, "recordTarget"), "patientRole")
    qualifiee = usager.statut == Statut.QUAL and bool(usager.matricule_ins)
    if qualifiee:
        el(role, "id", root=usager.oid_ins or "1.2.250.1.213.1.4.8", extension=usager.ins)
    el(role, "id", root=f"{oid_socle()}.1.{etablissement.organisme_id}", extension=f"U{usager.pk}")
    el(role, "addr", nullFlavor="UNK")
    el(role, "telecom", nullFlavor="UNK")
    patient = el(role, "patient", classCode="PSN")
    nom = el(patient, "name")
    el(nom, "family", usager.nom_naissance.upper(), qualifier="BR")
    el(nom, "given", usager.prenoms_naissance)
    el(nom, "given", usager.premier_prenom, qualifier="BR")
    if usager.nom_utilise or usager.prenom_utilise:
        el(nom, "family", (usager.nom_utilise or usager.nom_naissance).upper(), qualifier="CL")
        el(nom, "given", usager.prenom_utilise or usager.premier_prenom, qualifier="CL")
    sexes = {"F": "Féminin", "M": "Masculin", "I": "Inconnu"}
    sexe = usager.sexe if usager.sexe in ("F", "M") else "UN"
    el(
        patient,
        "administrativeGenderCode",
        code=sexe,
        displayName=sexes.get(usager.sexe, "Inconnu"),
        codeSystem="2.16.840.1.113883.5.1",
    )
    el(patient, "birthTime", value=usager.date_naissance.strftime("%Y%m%d"))
    if qualifiee and usager.lieu_naissance:
        addr = el(el(el(patient, "birthplace"), "place"), "addr")
        el(addr, "county", usager.lieu_naissance)


def medecin_traitant(racine, moment, nom: str, telephone: str = "", rpps: str = "") -> None:
    """participant INF / PCP: the usager's médecin traitant (required by the DLU)."""
    p = el(racine, "participant", typeCode="INF")
    el(p, "functionCode", code="PCP", displayName="Médecin traitant", codeSystem="2.16.840.1.113883.5.88")
    el(xsi_type(el(p, "time"), "IVL_TS"), "low", value=horodatage(moment))
    entite = el(p, "associatedEntity", classCode="PROV")
    if rpps:
        el(entite, "id", root=OID_RPPS, extension=f"8{rpps}")
    el(entite, "addr", nullFlavor="UNK")
    tel = "".join(c for c in telephone if c.isdigit())
    if tel:
        el(entite, "telecom", value=f"tel:{tel}", use="WP")
    else:
        el(entite, "telecom", nullFlavor="UNK")
    nom_el = el(el(entite, "associatedPerson"), "name")
    el(nom_el, "family", nom or "Non renseigné")


def entete(
    document,
    *,
    template: tuple[str, str | None],
    titre: str,
    service: tuple[str, str],
    medecin: dict | None = None,
):
    """The ClinicalDocument with its header; the caller adds the body. `medecin`: the médecin traitant
    (nom, telephone, rpps) as a participant."""
    etab = document.etablissement
    moment = document.valide_le or document.modifie_le or timezone.now()
    racine = etree.Element(f"{{{NS}}}ClinicalDocument", nsmap=NSMAP)
    el(racine, "realmCode", code="FR")
    el(racine, "typeId", root="2.16.840.1.113883.1.3", extension="POCD_HD000040")
    el(racine, "templateId", root="2.16.840.1.113883.2.8.2.1")
    el(racine, "templateId", root="1.2.250.1.213.1.1.1.1")
    el(racine, "templateId", root=template[0], extension=template[1])
    el(racine, "id", root=str(document.uid).upper())
    el(
        racine,
        "code",
        code=document.type_code,
        displayName=document.type_libelle,
        codeSystem=document.type_systeme,
        codeSystemName="LOINC" if document.type_systeme == OID_LOINC else None,
    )
    el(racine, "title", titre)
    el(racine, "effectiveTime", value=horodatage(moment))
    libelles = {"N": "Normal", "R": "Restreint", "V": "Très restreint"}
    el(
        racine,
        "confidentialityCode",
        code=document.confidentialite,
        displayName=libelles[document.confidentialite],
        codeSystem=OID_CONFIDENTIALITE,
    )
    el(racine, "languageCode", code="fr-FR")
    el(racine, "setId", root=str(document.set_id).upper())
    el(racine, "versionNumber", value=str(document.version))
    record_target(racine, document.usager, etab)
    auteur = el(racine, "author")
    el(auteur, "time", value=horodatage(moment))
    entite_auteur(auteur, "assignedAuthor", document)
    gardien = el(el(racine, "custodian"), "assignedCustodian")
    org = el(gardien, "representedCustodianOrganization")
    el(org, "id", root=OID_STRUCTURE, extension=f"1{etab.finess}")
    el(org, "name", etab.nom_long or etab.nom)
    _telecom(org, etab)
    _adresse(org, etab)
    legal = el(racine, "legalAuthenticator")
    el(legal, "time", value=horodatage(moment))
    el(legal, "signatureCode", code="S")
    entite_auteur(legal, "assignedEntity", document)
    if medecin is not None:
        medecin_traitant(
            racine, moment, medecin.get("nom", ""), medecin.get("telephone", ""), medecin.get("rpps", "")
        )
    evenement = el(el(racine, "documentationOf"), "serviceEvent")
    el(evenement, "code", code=service[0], displayName=service[1], codeSystem=OID_LOINC)
    periode = el(evenement, "effectiveTime")
    el(periode, "low", value=horodatage(document.date_acte))
    el(periode, "high", value=horodatage(document.date_acte))
    executant = el(evenement, "performer", typeCode="PRF")
    entite_auteur(executant, "assignedEntity", document, code=False)
    rencontre = el(el(racine, "componentOf"), "encompassingEncounter")
    periode = el(rencontre, "effectiveTime")
    el(periode, "low", value=horodatage(document.date_acte))
    lieu = el(el(rencontre, "location"), "healthCareFacility")
    code = type_etablissement(etab)
    systeme, libelle = concepts("JDV_J02_XdsHealthcareFacilityTypeCode_CISIS.xml")[code]
    el(lieu, "code", code=code, displayName=libelle, codeSystem=systeme)
    return racine
