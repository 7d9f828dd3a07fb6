"""CSV / XLSX exports of any DUI, read through the column mapping remembered per ESMS (ParametresDui)."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from pathlib import Path

from socle.core.texte import sans_accents

from . import lecture
from .commun import IdentiteEntrante, ImportIllisible
from .naissance import DateIllisible, lire_date_naissance

COLONNES = [
    "ipp",
    "nom_naissance",
    "prenoms_naissance",
    "premier_prenom",
    "date_naissance",
    "sexe",
    "lieu_naissance",
    "nom_utilise",
    "prenom_utilise",
    "statut",
    "ins",
    "oid_ins",
    "attributs",
]
OBLIGATOIRES = ("ipp", "nom_naissance", "prenoms_naissance", "date_naissance", "sexe", "lieu_naissance")
LIBELLES = {
    "ipp": "IPP",
    "nom_naissance": "nom de naissance",
    "prenoms_naissance": "prénoms de naissance",
    "premier_prenom": "premier prénom",
    "date_naissance": "date de naissance",
    "sexe": "sexe",
    "lieu_naissance": "lieu de naissance (code INSEE)",
    "nom_utilise": "nom utilisé",
    "prenom_utilise": "prénom utilisé",
    "statut": "statut de l'identité",
    "ins": "matricule INS",
    "oid_ins": "OID de l'INS",
    "attributs": "attributs (DOUT, FICT, HOMA)",
}
SYNONYMES = {
    "ipp": [
        "ipp",
        "n dossier",
        "numero de dossier",
        "identifiant",
        "id usager",
        "numero usager",
        "ipp usager",
    ],
    "nom_naissance": ["nom de naissance", "nom naissance", "nom patronymique", "nom de famille", "nom"],
    "prenoms_naissance": ["prenoms", "prenoms de naissance", "liste des prenoms", "prenom(s)"],
    "premier_prenom": ["premier prenom", "premier prenom de naissance", "prenom"],
    "date_naissance": ["date de naissance", "date naissance", "ne le", "naissance", "ddn"],
    "sexe": ["sexe", "genre"],
    "lieu_naissance": [
        "lieu de naissance",
        "code lieu de naissance",
        "code insee naissance",
        "commune de naissance",
        "insee naissance",
    ],
    "nom_utilise": ["nom utilise", "nom d'usage", "nom usage", "nom marital"],
    "prenom_utilise": ["prenom utilise", "prenom d'usage", "prenom usuel"],
    "statut": ["statut", "statut identite", "statut de l'identite", "fiabilite"],
    "ins": ["ins", "matricule ins", "nir", "ins nir"],
    "oid_ins": ["oid", "oid ins", "oid de l'ins"],
    "attributs": ["attributs", "attributs identite"],
}
SEXES = {
    "F": "F",
    "FEMININ": "F",
    "FEMME": "F",
    "2": "F",
    "M": "M",
    "MASCULIN": "M",
    "HOMME": "M",
    "1": "M",
    "I": "I",
    "U": "I",
    "INDETERMINE": "I",
    "INCONNU": "I",
}


def _cle(texte: str) -> str:
    return " ".join(sans_accents(str(texte or "")).lower().replace("_", " ").replace("°", " ").split())


def deviner_mapping(entetes: list[str]) -> dict[str, str]:
    """Socle field → header, from Socle's own column names first, then the usual DUI headers."""
    par_cle = {_cle(e): e for e in entetes if e}
    out: dict[str, str] = {}
    pris: set[str] = set()
    for champ in COLONNES:
        for candidat in [champ.replace("_", " "), *SYNONYMES.get(champ, [])]:
            e = par_cle.get(_cle(candidat))
            if e and e not in pris:
                out[champ] = e
                pris.add(e)
                break
    return out


def lire_entetes(chemin: Path, encodage: str = "utf-8", separateur: str = ";") -> list[str]:
    entetes, lignes = _lignes(Path(chemin), encodage, separateur)
    if hasattr(lignes, "close"):
        lignes.close()
    return entetes


def _lignes(chemin: Path, encodage: str, separateur: str) -> tuple[list[str], Iterator[tuple[int, list]]]:
    if chemin.suffix.lower() == ".xlsx":
        return _classeur(chemin)
    return _csv(chemin, encodage, separateur)


def _csv(chemin: Path, encodage: str, separateur: str):
    pile = lecture.ouvrir(chemin)
    flux = pile.__enter__()
    lignes = lecture.texte(flux, encodage)
    try:
        n, premiere = next(lignes)
    except StopIteration:
        pile.__exit__(None, None, None)
        raise ImportIllisible("le fichier est vide (aucune ligne d'en-tête)") from None
    if separateur not in premiere:
        for sep in (";", ",", "\t", "|"):
            if sep in premiere:
                separateur = sep
                break
    entetes = [e.strip() for e in next(csv.reader([premiere], delimiter=separateur))]
    if "\x00" in premiere or not any(entetes):
        pile.__exit__(None, None, None)
        raise ImportIllisible(
            "la première ligne n'est pas une ligne d'en-têtes CSV : déposez l'export CSV ou XLSX du DUI"
        )

    def gen():
        try:
            texte_lignes = (t + "\n" for _n, t in lignes)
            for k, row in enumerate(csv.reader(texte_lignes, delimiter=separateur), start=2):
                lecture.trop(k - 1)
                if any(c.strip() for c in row):
                    yield k, row
        except csv.Error as exc:
            raise ImportIllisible(f"CSV mal formé : {exc}") from exc
        finally:
            pile.__exit__(None, None, None)

    return entetes, gen()


def _classeur(chemin: Path):
    from openpyxl import load_workbook

    lecture.verifier_taille(chemin)
    try:
        with zipfile.ZipFile(chemin) as zf:
            lecture.limites().verifier_zip(zf)
    except zipfile.BadZipFile as exc:
        raise ImportIllisible(
            "ce fichier .xlsx n'est pas un classeur Excel lisible : enregistrez-le à nouveau, ou "
            "déposez un CSV"
        ) from exc
    try:
        wb = load_workbook(chemin, read_only=True, data_only=True)
        ws = wb.worksheets[0]
        ws.reset_dimensions()
        premiere = next(ws.iter_rows(max_row=1, max_col=len(COLONNES) * 8, values_only=True), None)
    except Exception as exc:  # openpyxl and defusedxml raise many kinds
        raise ImportIllisible(f"classeur XLSX illisible : {exc}") from exc
    if premiere is None:
        wb.close()
        raise ImportIllisible("le classeur est vide (aucune ligne d'en-tête)")
    entetes = [str(c).strip() if c is not None else "" for c in premiere]
    while entetes and not entetes[-1]:
        entetes.pop()

    def gen():
        try:
            for k, row in enumerate(
                ws.iter_rows(min_row=2, max_col=max(len(entetes), 1), values_only=True), start=2
            ):
                lecture.trop(k - 1)
                if any(c not in (None, "") for c in row):
                    yield k, list(row)
        except ImportIllisible:
            raise
        except Exception as exc:
            raise ImportIllisible(f"classeur XLSX illisible : {exc}") from exc
        finally:
            wb.close()

    return entetes, gen()


def _s(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def lire(
    chemin: Path,
    mapping: dict[str, str] | None = None,
    format_date: str = "%d/%m/%Y",
    encodage: str = "utf-8",
    separateur: str = ";",
) -> Iterator[IdentiteEntrante]:
    """Rows of the export as identities; the mapping (field → header) defaults to a guess from the headers."""
    entetes, lignes = _lignes(Path(chemin), encodage, separateur)
    mapping = mapping or deviner_mapping(entetes)
    index = {e: i for i, e in enumerate(entetes)}
    manquantes = [LIBELLES[c] for c in OBLIGATOIRES if c not in mapping or mapping[c] not in index]
    if manquantes and not (manquantes == [LIBELLES["prenoms_naissance"]] and "premier_prenom" in mapping):
        if hasattr(lignes, "close"):
            lignes.close()
        raise ImportIllisible(
            "colonnes introuvables : "
            + ", ".join(manquantes)
            + " (en-têtes du fichier : "
            + ", ".join(e for e in entetes if e)[:300]
            + ") : associez-les dans la "
            "correspondance des colonnes de l'ESMS"
        )
    cols = {c: index[h] for c, h in mapping.items() if h in index}
    for numero, row in lignes:

        def val(c: str, _row=row):
            i = cols.get(c)
            return _row[i] if i is not None and i < len(_row) else None

        ident = IdentiteEntrante(numero=numero, ipp=_s(val("ipp")))
        ident.nom_naissance = _s(val("nom_naissance"))
        ident.prenoms_naissance = _s(val("prenoms_naissance"))
        ident.premier_prenom = _s(val("premier_prenom"))
        ident.nom_utilise, ident.prenom_utilise = _s(val("nom_utilise")), _s(val("prenom_utilise"))
        ident.lieu_naissance = _s(val("lieu_naissance")).upper()
        if (
            ident.lieu_naissance.isdigit() and len(ident.lieu_naissance) == 4
        ):  # a spreadsheet ate the leading 0
            ident.lieu_naissance = "0" + ident.lieu_naissance
        brut = val("date_naissance")
        try:
            ident.date_naissance = lire_date_naissance(brut, format_date)
        except DateIllisible as exc:
            ident.probleme("date_naissance", str(exc))
        sexe = _s(val("sexe"))
        ident.sexe = SEXES.get(_cle(sexe).upper(), "")
        if sexe and not ident.sexe:
            ident.probleme("sexe", f"sexe « {sexe[:20]} » inconnu : F, M ou I (règle R-SX-01)")
        ident.statut_declare = _s(val("statut")).upper()
        ident.ins = _s(val("ins")).replace(" ", "").upper()
        ident.oid_ins = _s(val("oid_ins")).removeprefix("urn:oid:")
        attributs = {a.strip().upper() for a in _s(val("attributs")).replace(",", " ").split()}
        ident.douteuse, ident.fictive = "DOUT" in attributs, "FICT" in attributs
        ident.homonyme = "HOMA" in attributs
        yield ident
