"""Checking a CDA R2 document the way the ANS validator does, offline: XSD, then the schematron layers.

The ANS kit (TestContenuCDA 3.0, trimmed to what Socle's documents need) is vendored in `kit/` (see SOURCE.md).
1. XSD: `kit/infrastructure/cda/CDA_extended.xsd` with lxml (the schema is loaded once per process).
2. Schematrons: each `.sch` is compiled to XSLT with the kit's three ISO skeleton stylesheets
   (`iso_dsdl_include` → `iso_abstract_expand` → `iso_svrl_for_xslt2`) by saxonche (XSLT 2.0; lxml is XSLT 1
   only). The compiled XSL must sit next to its .sch (includes and `../jeuxDeValeurs` resolve relatively), so
   the kit is copied once to a writable cache (`DATA_DIR/cache/cda-kit-<empreinte>/`) and each XSL is written
   there; a later process reuses the file, and each process compiles each XSL into a Saxon executable once
   (`_executable`, cached) — never per request.
3. Each failed assert of role error (or without role) is an error; warnings are kept apart.

Layers per format: every CDA gets XSD + structuration minimale; the structured DLU also the two generic profils
(CI-SIS_ModelesDeContenusCDA, IHE) and its own schematron CI-SIS_DLU-EHPAD-DLU_2022.01.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings
from lxml import etree

KIT = Path(__file__).resolve().parent / "kit"
XSD = KIT / "infrastructure" / "cda" / "CDA_extended.xsd"

STRUCTURATION_MINIMALE = "profils/structurationMinimale/ASIP-STRUCT-MIN-StrucMin.sch"
MODELES_CONTENUS = "profils/CI-SIS_ModelesDeContenusCDA.sch"
IHE = "profils/IHE.sch"
DLU = "CI-SIS_DLU-EHPAD-DLU_2022.01.sch"
NOMS = {
    STRUCTURATION_MINIMALE: "Structuration minimale",
    MODELES_CONTENUS: "CI-SIS_ModelesDeContenusCDA",
    IHE: "IHE",
    DLU: "DLU-EHPAD (CI-SIS_DLU-EHPAD-DLU_2022.01)",
}
COUCHES = {"DLU": (STRUCTURATION_MINIMALE, MODELES_CONTENUS, IHE, DLU), "N1": (STRUCTURATION_MINIMALE,)}
SVRL = "http://purl.oclc.org/dsdl/svrl"
MOTEUR = ("iso_dsdl_include.xsl", "iso_abstract_expand.xsl", "iso_svrl_for_xslt2.xsl")

_verrou = threading.RLock()  # Saxon's processor is shared by the threads of one process


@dataclass(frozen=True)
class Anomalie:
    couche: str
    message: str
    emplacement: str = ""
    regle: str = ""


@dataclass
class Rapport:
    """What the checks found; `valide` when no error in any layer."""

    couches: list[str] = field(default_factory=list)
    erreurs: list[Anomalie] = field(default_factory=list)
    avertissements: list[Anomalie] = field(default_factory=list)

    @property
    def valide(self) -> bool:
        return not self.erreurs

    def en_dict(self) -> dict:
        return {
            "couches": self.couches,
            "erreurs": [asdict(e) for e in self.erreurs],
            "avertissements": [asdict(a) for a in self.avertissements[:200]],
        }


class KitInvalide(RuntimeError):
    """The vendored kit is missing or broken: an installation problem, never the author's."""


@cache
def _schema() -> etree.XMLSchema:
    try:
        return etree.XMLSchema(etree.parse(str(XSD)))
    except (OSError, etree.XMLSchemaParseError) as exc:
        raise KitInvalide(f"Schéma CDA illisible ({XSD}) : {exc}") from exc


@cache
def _empreinte() -> str:
    h = hashlib.sha256()
    for p in sorted((KIT / "schematrons").rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(KIT)).encode())
            h.update(str(p.stat().st_size).encode())
    return h.hexdigest()[:16]


def dossier_cache() -> Path:
    """The writable copy of the kit where compiled schematrons are written (made once)."""
    racine = Path(getattr(settings, "SOCLE_CDA_CACHE", "") or (settings.DATA_DIR / "cache"))
    cible = racine / f"cda-kit-{_empreinte()}"
    if not (cible / ".complet").exists():
        racine.mkdir(parents=True, exist_ok=True)
        provisoire = racine / f".cda-kit-{os.getpid()}-{threading.get_ident()}"
        shutil.rmtree(provisoire, ignore_errors=True)
        shutil.copytree(KIT / "schematrons", provisoire / "schematrons")
        shutil.copytree(KIT / "jeuxDeValeurs", provisoire / "jeuxDeValeurs")
        (provisoire / ".complet").write_text("ok")
        try:
            os.rename(provisoire, cible)
        except OSError:  # another process made it first
            shutil.rmtree(provisoire, ignore_errors=True)
    return cible


@cache
def _processeur():
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


def _compiler_xsl(sch: Path) -> Path:
    """Write `<sch>.compile.xsl` next to the .sch (once: kept in the cache across processes)."""
    final = sch.with_suffix(".compile.xsl")
    if final.exists():
        return final
    proc = _processeur()
    xslt = proc.new_xslt30_processor()
    entree = sch
    for i, etape in enumerate(MOTEUR):
        sortie = sch.with_suffix(f".etape{i}.{os.getpid()}.xml")
        exe = xslt.compile_stylesheet(stylesheet_file=str(dossier_cache() / "schematrons" / "moteur" / etape))
        if i == len(MOTEUR) - 1:
            exe.set_parameter("allow-foreign", proc.make_string_value("true"))
        try:
            exe.transform_to_file(source_file=str(entree), output_file=str(sortie))
        except Exception as exc:  # saxonche raises PySaxonApiError
            raise KitInvalide(f"Compilation de {sch.name} impossible : {exc}") from exc
        if entree != sch:
            entree.unlink(missing_ok=True)
        entree = sortie
    os.replace(entree, final)
    return final


@cache
def _executable(couche: str):
    """The Saxon executable of one schematron layer, compiled once per process."""
    with _verrou:
        xsl = _compiler_xsl(dossier_cache() / "schematrons" / couche)
        exe = _processeur().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(xsl))
        if exe is None:
            raise KitInvalide(f"Schématron compilé illisible : {xsl}")
        return exe


def precompiler(format: str = "DLU") -> None:
    """Compile every layer of `format` now (worker start, benchmark), so that no request pays for it."""
    _schema()
    for couche in COUCHES[format]:
        _executable(couche)


def _texte(el) -> str:
    return " ".join("".join(el.itertext()).split())


def verifier_xsd(xml: bytes) -> list[Anomalie]:
    try:
        doc = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return [Anomalie("XSD", f"XML mal formé : {exc}")]
    schema = _schema()
    if schema.validate(doc):
        return []
    return [
        Anomalie("XSD", f"ligne {e.line} : {e.message}", emplacement=e.path or "") for e in schema.error_log
    ]


def appliquer_schematron(xml: bytes, couche: str, noeud=None) -> tuple[list[Anomalie], list[Anomalie]]:
    """(errors, warnings) of one schematron layer; `noeud`: the document already parsed by Saxon (parsed once
    for all the layers)."""
    nom = NOMS.get(couche, couche)
    with _verrou:
        exe = _executable(couche)
        if noeud is None:
            noeud = _processeur().parse_xml(xml_text=xml.decode("utf-8"))
        try:
            svrl = exe.transform_to_string(xdm_node=noeud)
        except Exception as exc:  # saxonche raises PySaxonApiError
            raise KitInvalide(f"Schématron {nom} : {exc}") from exc
        if svrl is None:
            raise KitInvalide(f"Schématron {nom} : aucun rapport produit")
    racine = etree.fromstring(svrl.encode("utf-8"))
    erreurs, avertissements = [], []
    for fa in racine.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        role = (fa.get("role") or "error").lower()
        texte = fa.find(f"{{{SVRL}}}text")
        anomalie = Anomalie(
            nom,
            _texte(texte) if texte is not None else fa.get("test", ""),
            emplacement=fa.get("location", ""),
            regle=fa.get("test", "")[:300],
        )
        if fa.tag.endswith("failed-assert") and role in ("error", "fatal"):
            erreurs.append(anomalie)
        else:
            avertissements.append(anomalie)
    return erreurs, avertissements


def valider_cda(xml: bytes, format: str) -> Rapport:
    """Every layer of `format` ("DLU" or "N1"); the schematrons run even when the XSD fails, so that the author
    sees everything at once."""
    rapport = Rapport(couches=["XSD"] + [NOMS[c] for c in COUCHES[format]])
    rapport.erreurs.extend(verifier_xsd(xml))
    if rapport.erreurs and rapport.erreurs[0].message.startswith("XML mal formé"):
        return rapport
    with _verrou:
        noeud = _processeur().parse_xml(xml_text=xml.decode("utf-8"))
    for couche in COUCHES[format]:
        erreurs, avertissements = appliquer_schematron(xml, couche, noeud)
        rapport.erreurs.extend(erreurs)
        rapport.avertissements.extend(avertissements)
    return rapport
