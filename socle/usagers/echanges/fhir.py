"""FHIR R4 Bundles of Patient resources following FR Core (profiles fr-core-patient and fr-core-patient-ins):
read with a streaming parser (ijson, memory flat in the file size) and written one entry at a time.

The FR Core rules used here are quoted, with their source, in `profils/FR_CORE.md`; `verifier_patient` checks an
exported resource against them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

import ijson

from socle.usagers import rniv

from . import lecture
from .commun import IdentiteEntrante, ImportIllisible
from .naissance import DateIllisible, ecrire_date_naissance, lire_date_naissance

FR = "https://hl7.fr/ig/fhir/core"
PROFIL_PATIENT = f"{FR}/StructureDefinition/fr-core-patient"
PROFIL_PATIENT_INS = f"{FR}/StructureDefinition/fr-core-patient-ins"
EXT_FIABILITE = f"{FR}/StructureDefinition/fr-core-identity-reliability"
EXT_INSEE = f"{FR}/StructureDefinition/fr-core-address-insee-code"
EXT_PRENOMS = f"{FR}/StructureDefinition/fr-core-patient-birth-list-given-name"
EXT_LIEU = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace"
CS_STATUT = f"{FR}/CodeSystem/fr-core-cs-identity-status"
CS_COMMENTAIRE = f"{FR}/CodeSystem/fr-core-cs-identity-status-comment"
CS_V2_0203_FR = f"{FR}/CodeSystem/fr-core-cs-v2-0203"
CS_V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
CS_INSEE = "https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM"
# INS slices of fr-core-patient-ins: OID → (type code, use)
SLICES_INS = {
    rniv.OID_NIR: ("INS-NIR", "official"),
    rniv.OID_NIA: ("INS-NIA", "temp"),
    rniv.OID_NIR_TEST: ("INS-NIR-TEST", "official"),
    rniv.OID_NIR_DEMO: ("INS-NIR-DEMO", "official"),
}
GENRES = {"M": "male", "F": "female", "I": "unknown"}
SEXES = {"male": "M", "female": "F", "unknown": "I", "other": "I"}


# --- reading ----------------------------------------------------------------------------------------------


def _verifier_bundle(chemin: Path) -> None:
    """The top-level object must be a Bundle (read until its resourceType, never the whole file)."""
    with lecture.ouvrir(chemin) as flux:
        try:
            for prefixe, evenement, valeur in ijson.parse(flux):
                if prefixe == "resourceType" and evenement == "string":
                    if valeur != "Bundle":
                        raise ImportIllisible(
                            f"la ressource FHIR est un « {str(valeur)[:40]} », pas un Bundle de Patient"
                        )
                    return
                if prefixe == "" and evenement == "end_map":
                    break
        except ijson.JSONError as exc:
            raise ImportIllisible(f"JSON illisible : {exc}") from exc
        except UnicodeDecodeError:
            raise ImportIllisible(
                "le fichier FHIR n'est pas encodé en UTF-8 (RFC 8259) : exportez-le en UTF-8 depuis le DUI"
            ) from None
    raise ImportIllisible("ce JSON n'est pas une ressource FHIR (pas de resourceType Bundle)")


def lire(chemin: Path, systeme_ipp: str = "") -> Iterator[IdentiteEntrante]:
    """The Patient entries of a Bundle, one at a time. Any other resource type refuses the whole file."""
    chemin = Path(chemin)
    _verifier_bundle(chemin)
    with lecture.ouvrir(chemin) as flux:
        try:
            for n, entree in enumerate(ijson.items(flux, "entry.item"), start=1):
                lecture.trop(n)
                ressource = entree.get("resource") if isinstance(entree, dict) else None
                type_ = ressource.get("resourceType") if isinstance(ressource, dict) else None
                if type_ != "Patient":
                    raise ImportIllisible(
                        f"entrée {n} du Bundle : ressource « {str(type_)[:40]} », seules des "
                        "ressources Patient sont acceptées ; rien n'a été importé"
                    )
                yield patient_en_identite(n, ressource, systeme_ipp)
        except ijson.JSONError as exc:
            raise ImportIllisible(f"JSON illisible : {exc}") from exc
        except UnicodeDecodeError:
            raise ImportIllisible(
                "le fichier FHIR n'est pas encodé en UTF-8 : exportez-le en UTF-8"
            ) from None


def _codes(concept) -> list[str]:
    if not isinstance(concept, dict):
        return []
    return [c.get("code", "") for c in concept.get("coding", []) if isinstance(c, dict)]


def _ext(objet: dict, url: str) -> list[dict]:
    return [e for e in objet.get("extension", []) if isinstance(e, dict) and e.get("url") == url]


def patient_en_identite(n: int, p: dict, systeme_ipp: str = "") -> IdentiteEntrante:
    ident = IdentiteEntrante(numero=n)
    ipps = []
    for idf in p.get("identifier", []) or []:
        if not isinstance(idf, dict):
            continue
        systeme = str(idf.get("system", ""))
        oid = systeme.removeprefix("urn:oid:")
        if oid in SLICES_INS:
            if idf.get("use") != "old":
                ident.ins, ident.oid_ins = str(idf.get("value", "")).strip(), oid
        elif "PI" in _codes(idf.get("type")) and idf.get("use") != "old":
            ipps.append((systeme, str(idf.get("value", "")).strip()))
    choisis = [v for s, v in ipps if systeme_ipp and s == systeme_ipp] or [v for _s, v in ipps]
    ident.ipp = choisis[0] if choisis else ""
    if len({v for v in choisis}) > 1:
        ident.probleme("identifier", "plusieurs IPP (identifier de type PI) : un seul est attendu par usager")
    for nom in p.get("name", []) or []:
        if not isinstance(nom, dict):
            continue
        donnes = [str(g) for g in nom.get("given", []) or []]
        if nom.get("use") == "official":
            ident.nom_naissance = str(nom.get("family", ""))
            ident.premier_prenom = donnes[0] if donnes else ""
            liste = _ext(nom, EXT_PRENOMS)
            ident.prenoms_naissance = str(liste[0].get("valueString", "")) if liste else " ".join(donnes)
        elif nom.get("use") == "usual":
            ident.nom_utilise = str(nom.get("family", ""))
            ident.prenom_utilise = donnes[0] if donnes else ""
    genre = p.get("gender")
    ident.sexe = SEXES.get(str(genre), "")
    if genre and not ident.sexe:
        ident.probleme("gender", f"gender « {str(genre)[:20]} » inconnu (male, female, unknown)")
    try:
        ident.date_naissance = lire_date_naissance(p.get("birthDate"))
    except DateIllisible as exc:
        ident.probleme("birthDate", str(exc))
    for lieu in _ext(p, EXT_LIEU):
        adresse = lieu.get("valueAddress") or {}
        for code in _ext(adresse, EXT_INSEE):
            ident.lieu_naissance = str((code.get("valueCoding") or {}).get("code", "")).upper()
    for fiab in _ext(p, EXT_FIABILITE):
        for sous in fiab.get("extension", []):
            if sous.get("url") == "identityStatus":
                ident.statut_declare = str((sous.get("valueCoding") or {}).get("code", ""))
            elif sous.get("url") == "comment":
                codes = _codes(sous.get("valueCodeableConcept"))
                ident.douteuse |= "DOUT" in codes
                ident.fictive |= "FICT" in codes
                ident.homonyme |= "HOMA" in codes
    return ident


# --- writing ----------------------------------------------------------------------------------------------


def patient(u, ipp: str, systeme_ipp: str) -> dict:
    """One usager as a FR Core Patient: fr-core-patient-ins for a QUALIFIED identity only (its INS travels only
    then, R-INS-01 / R-AF-04), fr-core-patient otherwise."""
    qualifiee = u.statut == rniv.QUAL and bool(u.matricule_ins)
    profil = PROFIL_PATIENT_INS if qualifiee else PROFIL_PATIENT
    identifiants = []
    if ipp:
        identifiants.append(
            {
                "use": "usual",
                "type": {"coding": [{"system": CS_V2_0203, "code": "PI"}]},
                "system": systeme_ipp,
                "value": ipp,
            }
        )
    if qualifiee:
        code, use = SLICES_INS.get(u.oid_ins, ("INS-NIR", "official"))
        identifiants.append(
            {
                "use": use,
                "type": {"coding": [{"system": CS_V2_0203_FR, "code": code}]},
                "system": f"urn:oid:{u.oid_ins or rniv.OID_NIR}",
                "value": u.ins,
            }
        )
    commentaires = [c for c, oui in (("DOUT", u.douteuse), ("FICT", u.fictive), ("HOMA", u.homonyme)) if oui]
    fiab = [{"url": "identityStatus", "valueCoding": {"system": CS_STATUT, "code": u.statut}}]
    fiab += [
        {"url": "comment", "valueCodeableConcept": {"coding": [{"system": CS_COMMENTAIRE, "code": c}]}}
        for c in commentaires
    ]
    if u.date_appel_insi:
        fiab.append({"url": "dateInterrogationINSi", "valueDate": u.date_appel_insi.date().isoformat()})
    noms = [
        {
            "use": "official",
            "family": u.nom_naissance,
            "given": [u.premier_prenom],
            "extension": [{"url": EXT_PRENOMS, "valueString": u.prenoms_naissance}],
        }
    ]
    if u.nom_utilise or u.prenom_utilise:
        usuel = {"use": "usual", "family": u.nom_utilise or u.nom_naissance}
        if u.prenom_utilise:
            usuel["given"] = [u.prenom_utilise]
        noms.append(usuel)
    return {
        "resourceType": "Patient",
        "id": f"socle-{u.pk}",
        "meta": {"profile": [profil], "lastUpdated": u.modifie_le.isoformat()},
        "extension": [
            {"url": EXT_FIABILITE, "extension": fiab},
            {
                "url": EXT_LIEU,
                "valueAddress": {
                    "extension": [
                        {"url": EXT_INSEE, "valueCoding": {"system": CS_INSEE, "code": u.lieu_naissance}}
                    ]
                },
            },
        ],
        "identifier": identifiants,
        "name": noms,
        "gender": GENRES.get(u.sexe, "unknown"),
        "birthDate": ecrire_date_naissance(u.date_naissance, "iso"),
    }


def ecrire_bundle(
    sortie: IO[str],
    patients: Iterable[dict],
    *,
    type_: str = "collection",
    base: str = "",
    total: int | None = None,
    horodatage: datetime | None = None,
) -> int:
    """Write a Bundle one entry at a time (never the whole list in memory); returns the number of entries."""
    entete = {
        "resourceType": "Bundle",
        "type": type_,
        "timestamp": (horodatage or datetime.now().astimezone()).isoformat(),
    }
    if total is not None:
        entete["total"] = total
    sortie.write(json.dumps(entete, ensure_ascii=False)[:-1] + ', "entry": [')
    n = 0
    for p in patients:
        entree = {
            "fullUrl": f"{base}Patient/{p['id']}" if base else f"urn:socle:Patient/{p['id']}",
            "resource": p,
        }
        if type_ == "searchset":
            entree["search"] = {"mode": "match"}
        sortie.write(("," if n else "") + "\n" + json.dumps(entree, ensure_ascii=False))
        n += 1
    sortie.write("\n]}\n")
    return n


# --- FR Core rules (profils/FR_CORE.md) ------------------------------------------------------------------


def verifier_patient(p: dict) -> list[str]:
    """Breaks of the FR Core rules quoted in profils/FR_CORE.md (empty list: conformant)."""
    fautes: list[str] = []
    profils = (p.get("meta") or {}).get("profile", [])
    ins_profil = PROFIL_PATIENT_INS in profils
    ids = p.get("identifier", [])
    for i in ids:
        if "PI" in _codes(i.get("type")):  # [PI] use = usual, system 1.., value 1..
            if i.get("use") != "usual" or not i.get("system") or not i.get("value"):
                fautes.append("identifier[PI] : use = usual, system et value obligatoires")
    officiels = [n for n in p.get("name", []) if n.get("use") == "official"]
    for n in officiels:  # name[officialName].family 1.., given 1..
        if not n.get("family") or not n.get("given"):
            fautes.append("name[officialName] : family et given obligatoires")
    ins = [i for i in ids if str(i.get("system", "")).removeprefix("urn:oid:") in SLICES_INS]
    fiab = _ext(p, EXT_FIABILITE)
    statuts = [
        str((s.get("valueCoding") or {}).get("code"))
        for f in fiab
        for s in f.get("extension", [])
        if s.get("url") == "identityStatus"
    ]
    for s in statuts:
        if s not in ("PROV", "RECUP", "VALI", "QUAL"):
            fautes.append(f"identityStatus « {s} » hors de FRCoreValueSetIdentityStatus (required)")
    commentaires = [
        c
        for f in fiab
        for s in f.get("extension", [])
        if s.get("url") == "comment"
        for c in _codes(s.get("valueCodeableConcept"))
    ]
    if {"DOUT", "FICT"} & set(commentaires) and statuts != ["PROV"]:
        fautes.append("fr-core-identity-reliability-1 : DOUT ou FICT impose le statut PROV")
    if {"DOUT", "FICT"} <= set(commentaires):
        fautes.append("fr-core-identity-reliability-2 : FICT et DOUT ne se cumulent pas")
    if not ins_profil:
        if ins:
            fautes.append(
                "fr-core-patient : les slices INS ne sont définies que dans fr-core-patient-ins (identité "
                "qualifiée seulement)"
            )
        if PROFIL_PATIENT not in profils:
            fautes.append("meta.profile : fr-core-patient attendu")
        return fautes
    if not fiab:
        fautes.append("fr-core-patient-ins : extension[identityReliability] 1..*")
    if statuts != ["QUAL"]:
        fautes.append("fr-core-patient-ins : l'INS ne circule qu'avec une identité qualifiée (QUAL)")
    lieux = _ext(p, EXT_LIEU)
    if len(lieux) != 1 or len(_ext(lieux[0].get("valueAddress") or {}, EXT_INSEE)) != 1:
        fautes.append(
            "fr-core-patient-ins : extension[birthPlace] 1..1 avec valueAddress.extension[inseeCode] 1..1"
        )
    if not ids:
        fautes.append("fr-core-patient-ins : identifier 1..")
    for i in ins:
        code, use = SLICES_INS[str(i["system"]).removeprefix("urn:oid:")]
        if code not in _codes(i.get("type")) or i.get("use") != use or not i.get("value"):
            fautes.append(f"identifier[{code}] : type = {code}, use = {use}, value 1..")
    if (
        len([i for i in ins if i.get("use") == "official"]) + len([i for i in ins if i.get("use") == "temp"])
        != 1
    ):
        fautes.append("fr-core-1 / fr-core-2 : exactement un INS (official, ou temp pour un NIA)")
    if p.get("gender") not in ("male", "female"):
        fautes.append("fr-core-patient-ins : gender 1..1 dans fr-core-vs-patient-gender-INS (male | female)")
    if not p.get("birthDate"):
        fautes.append("fr-core-patient-ins : birthDate 1..")
    if len(officiels) != 1:
        fautes.append("fr-core-patient-ins : name[officialName] 1..1")
    else:
        if len(officiels[0].get("given", [])) != 1:
            fautes.append("fr-core-patient-ins : name[officialName].given 1..1")
        if len(_ext(officiels[0], EXT_PRENOMS)) != 1:
            fautes.append("fr-core-patient-ins : name[officialName].extension[birth-list-given-name] 1..1")
    return fautes
