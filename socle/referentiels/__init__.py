"""Reference tables Socle reads, vendored in this folder so that the repository needs nothing beside it:
NOS nomenclatures (rôles JDV_J121, genres d'activité TRE_R22, modes d'exercice TRE_R23, medico-social FINESS
categories TRE_R66, FINESS statuts juridiques TRE_R72), the field métier → rôle table and the header of the Annuaire Santé extract. Origin, date,
licence and checksum of each file: SOURCE.md.

One cached loader per table, without Django (the benchmark's generator processes use them too). A missing or
malformed file raises `ReferentielInvalide` naming the file: there is no second copy to fall back to.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DOSSIER = Path(__file__).resolve().parent

ROLES_ENREG = "JDV_J121_RolePriseCharge_ENREG.csv"
GENRES_ACTIVITE = "TRE_R22_GenreActivite.csv"
MODES_EXERCICE = "TRE_R23_ModeExercice.csv"
CATEGORIES_MEDICO_SOCIALES = "TRE_R66_categories_medico_sociales.csv"
STATUTS_JURIDIQUES = "TRE_R72_FinessStatutJuridique.csv"
TABLE_METIERS = "metiers-roles-grappe.csv"
ENTETE_ANNUAIRE = "PS_LibreAcces_Personne_activite.header.txt"


class ReferentielInvalide(Exception):
    """A reference file of socle/referentiels (or the métier table configured instead) is missing or malformed."""

    def __init__(self, chemin: Path | str, detail: str, remede: str = ""):
        self.chemin = Path(chemin)
        remede = remede or ("ce fichier fait partie de Socle (socle/referentiels/, origine dans SOURCE.md) : "
                            "restaurez-le depuis le dépôt ou réinstallez Socle")
        super().__init__(f"Référentiel {self.chemin} : {detail} — {remede}.")


def chemin(nom: str) -> Path:
    """Path of a vendored reference file."""
    return DOSSIER / nom


def _lire_texte(nom: str) -> str:
    p = chemin(nom)
    try:
        return p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ReferentielInvalide(p, "fichier absent") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ReferentielInvalide(p, f"fichier illisible ({e})") from e


def _lire_csv(nom: str, colonnes: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows of a `;`-separated UTF-8 table: every listed column present and filled, the first one (the code)
    unique, at least one row."""
    p = chemin(nom)
    lecteur = csv.DictReader(io.StringIO(_lire_texte(nom), newline=""), delimiter=";")
    entete = lecteur.fieldnames or []
    manquantes = [c for c in colonnes if c not in entete]
    if manquantes:
        raise ReferentielInvalide(p, f"colonne(s) {', '.join(manquantes)} absente(s) de l'en-tête "
                                     f"(lu : {';'.join(entete) or 'rien'})")
    lignes: list[dict[str, str]] = []
    codes: set[str] = set()
    for n, row in enumerate(lecteur, start=2):
        valeurs = {c: (row.get(c) or "").strip() for c in colonnes}
        vides = [c for c in colonnes if not valeurs[c]]
        if vides:
            raise ReferentielInvalide(p, f"ligne {n} : colonne(s) {', '.join(vides)} vide(s)")
        code = valeurs[colonnes[0]]
        if code in codes:
            raise ReferentielInvalide(p, f"ligne {n} : {colonnes[0]} « {code} » en double")
        codes.add(code)
        lignes.append(valeurs)
    if not lignes:
        raise ReferentielInvalide(p, "table vide")
    return lignes


@cache
def roles_enregistrement() -> tuple[tuple[str, str], ...]:
    """JDV_J121_RolePriseCharge_ENREG: the TRE_R85 rôles the RPPS+ accepts, (code, libellé) in file order."""
    return tuple((r["code"], r["libelle"]) for r in _lire_csv(ROLES_ENREG, ("code", "libelle")))


@dataclass(frozen=True)
class GenreActivite:
    code: str
    libelle: str
    libelle_court: str
    rpps_plus: bool  # accepted for a "professionnel à rôle" (value set JDV_J116)


@cache
def genres_activite() -> tuple[GenreActivite, ...]:
    """TRE_R22 genres d'activité, with the flag of those the RPPS+ accepts for a professionnel à rôle."""
    colonne = "utilise_par_rpps_plus_medico_social"
    out = []
    for n, r in enumerate(_lire_csv(GENRES_ACTIVITE, ("code", "libelle", "libelle_court", colonne)), start=2):
        if not r[colonne].startswith(("oui", "non")):
            raise ReferentielInvalide(chemin(GENRES_ACTIVITE), f"ligne {n} : colonne {colonne} « {r[colonne]} » "
                                                              "(attendu : oui… ou non…)")
        out.append(GenreActivite(r["code"], r["libelle"], r["libelle_court"], r[colonne].startswith("oui")))
    return tuple(out)


@cache
def modes_exercice() -> tuple[tuple[str, str], ...]:
    """TRE_R23 modes d'exercice, (code, libellé) in file order."""
    return tuple((r["code"], r["libelle"]) for r in _lire_csv(MODES_EXERCICE, ("code", "libelle")))


@dataclass(frozen=True)
class CategorieR66:
    code: str
    libelle: str
    statut: str  # status of the category as read in the NOS (free text)
    remplacee_par: str = ""  # replacement code(s) of a deprecated category: "448", "448 ou 449"


# "DEPRECATED 2018-10-26 in R66 (…) -> use 448/449"
_OBSOLETE = re.compile(r"DEPRECATED\b.*?->\s*use\s+(\d{3}(?:/\d{3})*)\b")


@cache
def categories_medico_sociales() -> tuple[CategorieR66, ...]:
    """Medico-social subset of the FINESS categories (TRE_R66 codes), in file order; a category whose status
    starts with DEPRECATED carries its replacement ("-> use 448")."""
    out = []
    for n, r in enumerate(_lire_csv(CATEGORIES_MEDICO_SOCIALES, ("code", "libelle", "statut_R66")), start=2):
        statut = r["statut_R66"]
        remplacee_par = ""
        if statut.startswith("DEPRECATED"):
            m = _OBSOLETE.match(statut)
            if not m:
                raise ReferentielInvalide(chemin(CATEGORIES_MEDICO_SOCIALES),
                                          f"ligne {n} : catégorie {r['code']} obsolète sans code de remplacement "
                                          "(attendu : « -> use NNN »)")
            remplacee_par = m.group(1).replace("/", " ou ")
        out.append(CategorieR66(r["code"], r["libelle"], statut, remplacee_par))
    return tuple(out)


@cache
def statuts_juridiques() -> dict[str, str]:
    """FINESS statut juridique code → label (TRE_R72): the FINESS files give only the code ("60")."""
    return {r["code"]: r["libelle"] for r in _lire_csv(STATUTS_JURIDIQUES, ("code", "libelle"))}


def libelle_statut_juridique(code: str) -> str:
    """"60 — Association Loi 1901 …" for a known code, the bare code otherwise (a code newer than the copy)."""
    code = (code or "").strip()
    if not code:
        return ""
    libelle = statuts_juridiques().get(code)
    return f"{code} — {libelle}" if libelle else f"{code} (code inconnu de la table TRE_R72)"


@cache
def entete_annuaire() -> str:
    """Header line of the ANS "PS_LibreAcces_Personne_activite" extract: column names separated and ended by
    `|`, names unique."""
    texte = _lire_texte(ENTETE_ANNUAIRE).strip()
    colonnes = texte.rstrip("|").split("|")
    if "\n" in texte or not texte.endswith("|") or len(colonnes) < 2 or not all(colonnes):
        raise ReferentielInvalide(chemin(ENTETE_ANNUAIRE), "une seule ligne attendue, noms de colonnes séparés "
                                                          "et terminés par « | »")
    doubles = sorted({c for c in colonnes if colonnes.count(c) > 1})
    if doubles:
        raise ReferentielInvalide(chemin(ENTETE_ANNUAIRE), f"colonne(s) en double : {', '.join(doubles)}")
    return texte
