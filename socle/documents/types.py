"""Document types: the value set JDV_J07 (XDS typeCode of the CI-SIS), read from the vendored ANS kit.

`TYPES_ESMS` lists, in the order shown on screens, the types an ESMS produces (facts: kit SOURCE.md); every code
must exist in JDV_J07, which `type_document()` checks."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

JDV_J07 = (
    Path(__file__).resolve().parent / "validation" / "kit" / "jeuxDeValeurs" / "JDV_J07_XdsTypeCode_CISIS.xml"
)
DLU = "74207-2"
TYPES_ESMS = ("74207-2", "28653-4", "34842-5", "80788-3", "83981-1", "88348-8", "BIL_AUTO")


class TypeInconnu(ValueError):
    """A code absent from JDV_J07."""


@dataclass(frozen=True)
class TypeDocument:
    code: str
    systeme: str
    libelle: str


@cache
def jdv_j07() -> dict[str, TypeDocument]:
    """Every concept of JDV_J07 by code."""
    try:
        racine = etree.parse(str(JDV_J07)).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise RuntimeError(f"Jeu de valeurs JDV_J07 illisible : {JDV_J07} ({exc})") from exc
    out = {}
    for c in racine.iter("{*}Concept", "Concept", "{*}concept", "concept"):
        code = c.get("code")
        if code:
            out[code] = TypeDocument(code, c.get("codeSystem", ""), c.get("displayName", ""))
    if not out:
        raise RuntimeError(f"Jeu de valeurs JDV_J07 vide : {JDV_J07}")
    return out


def type_document(code: str) -> TypeDocument:
    try:
        return jdv_j07()[code]
    except KeyError:
        raise TypeInconnu(f"Type de document « {code} » absent du jeu de valeurs JDV_J07") from None


def types_esms() -> list[TypeDocument]:
    return [type_document(c) for c in TYPES_ESMS]


def types_pdf() -> list[TypeDocument]:
    """The types uploaded as a PDF (the DLU is produced from the form)."""
    return [t for t in types_esms() if t.code != DLU]
