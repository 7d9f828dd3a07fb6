"""The NOS tables the DMP connector reads (referentiels/, SOURCE.md there): value sets J02 / J04 / J07 / J08
(IHE SVS XML) and the associations ASS_A11 (templateId → formatCode) and ASS_X04 (typeCode → classCode).

Loaded once per process; a missing or broken file is an error naming it. The X04 extract is marked "à
vérifier" (the official file was not reachable): SOCLE_DMP_TABLE_X04 names the official table to use instead.
"""

import csv
import functools
from pathlib import Path

from lxml import etree

from .interface import Code

DOSSIER = Path(__file__).resolve().parent / "referentiels"
NS_SVS = "urn:ihe:iti:svs:2008"
OID_CLASSE = "1.2.250.1.213.1.1.4.1"  # TRE_A03-ClasseDocument
OID_FORMAT_CISIS = "1.2.250.1.213.1.1.4.2.282"  # TRE_A06-FormatCodeComplementaire
OID_FORMAT_IHE = "1.3.6.1.4.1.19376.1.2.3"  # TRE_A11-IheFormatCode
FORMAT_PDF = Code("urn:ihe:iti:xds-sd:pdf:2008", OID_FORMAT_IHE, "Document à corps non structuré en PDF")

JEUX = {
    "J02": "JDV_J02_XdsHealthcareFacilityTypeCode_CISIS.xml",
    "J04": "JDV_J04_XdsPracticeSettingCode_CISIS.xml",
    "J07": "JDV_J07_XdsTypeCode_CISIS.xml",
    "J08": "JDV_J08_XdsConfidentialityCode_CISIS.xml",
}


class TableInvalide(Exception):
    """A vendored table is missing or unreadable."""


@functools.cache
def jeu(nom: str) -> dict[tuple[str, str], str]:
    """Value set `nom` (J02, J04, J07, J08) as {(code, coding scheme): display name}."""
    chemin = DOSSIER / JEUX[nom]
    try:
        racine = etree.parse(str(chemin), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise TableInvalide(f"Jeu de valeurs {chemin.name} illisible : {exc}") from exc
    concepts = racine.iter(f"{{{NS_SVS}}}Concept")
    return {(c.get("code"), c.get("codeSystem")): c.get("displayName", "") for c in concepts}


def dans_jeu(nom: str, code: Code) -> bool:
    return (code.code, code.schema) in jeu(nom)


def libelle(nom: str, code: str, schema: str) -> str:
    return jeu(nom).get((code, schema), "")


def _csv(chemin: Path) -> list[dict[str, str]]:
    try:
        with open(chemin, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f, delimiter=";"))
    except OSError as exc:
        raise TableInvalide(f"Table {chemin} illisible : {exc}") from exc


def _chemin_x04() -> Path:
    try:
        from django.conf import settings

        officiel = getattr(settings, "SOCLE_DMP_TABLE_X04", "") or ""
    except ImportError:  # pragma: no cover - the connector is used with Django
        officiel = ""
    return Path(officiel) if officiel else DOSSIER / "ASS_X04_extrait.csv"


@functools.cache
def _x04(chemin: Path) -> dict[str, tuple[Code, str]]:
    lignes = _csv(chemin)
    if not lignes or not {"type_code", "classe_code", "classe_libelle"} <= set(lignes[0]):
        raise TableInvalide(f"Table ASS_X04 {chemin} : colonnes type_code;classe_code;classe_libelle attendues.")
    return {
        ligne["type_code"]: (Code(ligne["classe_code"], OID_CLASSE, ligne["classe_libelle"]), ligne.get("statut", ""))
        for ligne in lignes
    }


def classe_pour(type_code: str) -> tuple[Code, str]:
    """(classCode, status of the row: "" or "à vérifier") for typeCode; KeyError when the table has no row."""
    return _x04(_chemin_x04())[type_code]


@functools.cache
def _a11() -> dict[str, Code]:
    return {
        ligne["template_id"]: Code(ligne["format_code"], OID_FORMAT_CISIS, ligne["libelle"])
        for ligne in _csv(DOSSIER / "ASS_A11_extrait.csv")
    }


def format_pour_modele(template_ids: list[str]) -> Code | None:
    """formatCode of a structured CDA from its templateIds (ASS_A11), None when no model is known."""
    table = _a11()
    for t in template_ids:
        if t in table:
            return table[t]
    return None


def formats_connus() -> set[tuple[str, str]]:
    return {(c.code, c.schema) for c in _a11().values()} | {(FORMAT_PDF.code, FORMAT_PDF.schema)}


def classes_connues() -> set[tuple[str, str]]:
    return {(c.code, c.schema) for c, _s in _x04(_chemin_x04()).values()}
