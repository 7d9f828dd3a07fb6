"""The INSEE Code officiel géographique (COG) as a birthplace: communes (current, former ones still known as
communes déléguées or associées, municipal arrondissements, former codes merged into a commune) and foreign
countries (99 + 3 digits). A birthplace is chosen by its name and shown with it; its code is what INSi and the
INS carry (RNIV R-LN-01). Files and origin: SOURCE.md (`cog_*.csv`).

One cached loader (`table()`), without Django; lookups are plain functions over it."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from dataclasses import dataclass
from functools import cache

from socle.core.texte import sans_accents

from . import ReferentielInvalide, _lire_texte, chemin

COMMUNES = "cog_communes.csv"
DEPARTEMENTS = "cog_departements.csv"
PAYS = "cog_pays.csv"
INCONNU = "99999"  # birthplace unknown [R-LN-01]

# C commune, M arrondissement municipal, D commune déléguée, A commune associée, X former code, P country,
# I unknown; the order is the one a code's main name is taken in.
ORDRE_TYPES = "CMDAXPI"
LIBELLES_TYPES = {
    "C": "commune",
    "M": "arrondissement municipal",
    "D": "ancienne commune (déléguée)",
    "A": "ancienne commune (associée)",
    "X": "ancien code",
    "P": "pays",
    "I": "inconnu",
}
_ABREVIATIONS = {"ST": "SAINT", "STE": "SAINTE", "STS": "SAINTS", "STES": "SAINTES"}


def cle(texte: str) -> str:
    """'St-Étienne' -> 'SAINT ETIENNE': accent- and case-blind words, saint abbreviations expanded."""
    mots = re.sub(r"[^A-Z0-9]+", " ", sans_accents(texte or "").upper()).split()
    return " ".join(_ABREVIATIONS.get(m, m) for m in mots)


@dataclass(frozen=True)
class Lieu:
    code: str
    nom: str
    type: str
    departement: str = ""  # department name (communes)
    rattachement: str = ""  # current commune a former one belongs to, by name
    choix: str = ""  # the unique text a person picks (and may type) for this place
    anciennes: tuple[str, ...] = ()  # a commune nouvelle: the former communes it took in, by name

    @property
    def libelle(self) -> str:
        """How the place is shown: its name, where it is, and its code."""
        return f"{self.choix or self.nom} · {self.code}"


@dataclass(frozen=True)
class TableCog:
    par_code: dict[str, tuple[Lieu, ...]]
    par_choix: dict[str, Lieu]  # cle(choix) -> place
    choisissables: tuple[tuple[str, tuple[str, ...], Lieu], ...]  # (cle(nom), words of cle(choix), place)


def _lignes(nom: str, colonnes: tuple[str, ...]) -> list[dict[str, str]]:
    lecteur = csv.DictReader(io.StringIO(_lire_texte(nom), newline=""), delimiter=";")
    manquantes = [c for c in colonnes if c not in (lecteur.fieldnames or [])]
    if manquantes:
        raise ReferentielInvalide(chemin(nom), f"colonne(s) {', '.join(manquantes)} absente(s) de l'en-tête")
    lignes = list(lecteur)
    if not lignes:
        raise ReferentielInvalide(chemin(nom), "table vide")
    for n, row in enumerate(lignes, start=2):
        if not re.fullmatch(r"(?:\d{5}|2[AB]\d{3}|\d{2,3}|2[AB])", row["code"] or ""):
            raise ReferentielInvalide(chemin(nom), f"ligne {n} : code « {row['code']} » invalide")
    return lignes


@cache
def table() -> TableCog:
    """The three COG files, indexed by code and by the text a person picks."""
    deps = {r["code"]: r["nom"] for r in _lignes(DEPARTEMENTS, ("code", "nom"))}
    brutes = _lignes(COMMUNES, ("code", "nom", "type", "departement", "rattachement"))
    noms_courants = {r["code"]: r["nom"] for r in brutes if r["type"] == "C"}
    anciennes: dict[str, list[str]] = {}
    for r in brutes:
        if r["type"] in ("D", "A") and r["nom"] != noms_courants.get(r["rattachement"]):
            anciennes.setdefault(r["rattachement"], []).append(r["nom"])
    lieux: list[Lieu] = []
    for n, r in enumerate(brutes, start=2):
        t = r["type"]
        if t not in "CMDAX" or len(t) != 1:
            raise ReferentielInvalide(chemin(COMMUNES), f"ligne {n} : type « {t} » inconnu")
        dep = deps.get(r["departement"], r["departement"])
        ratt = noms_courants.get(r["rattachement"], "") if t in "DAX" else ""
        if t == "X":
            lieux.append(Lieu(r["code"], ratt, t, dep, ratt))
            continue
        suffixe = ", ancienne commune" if t in "DA" else ""
        anc = tuple(sorted(anciennes.get(r["code"], []))) if t == "C" else ()
        lieux.append(Lieu(r["code"], r["nom"], t, dep, ratt, f"{r['nom']} ({dep}{suffixe})", anc))
    for r in _lignes(PAYS, ("code", "nom")):
        lieux.append(Lieu(r["code"], r["nom"], "P", choix=f"{r['nom']} (pays)"))
    lieux.append(Lieu(INCONNU, "Lieu de naissance inconnu", "I", choix="Lieu de naissance inconnu"))
    par_code: dict[str, list[Lieu]] = {}
    for lieu in lieux:
        par_code.setdefault(lieu.code, []).append(lieu)
    # a text that would name two different codes gets the code appended, so that every choice is unique
    comptes: dict[str, set[str]] = {}
    for lieu in lieux:
        if lieu.choix:
            comptes.setdefault(cle(lieu.choix), set()).add(lieu.code)
    par_choix: dict[str, Lieu] = {}
    choisissables: list[tuple[str, tuple[str, ...], Lieu]] = []
    vus: set[tuple[str, str]] = set()
    for lieu in lieux:
        if not lieu.choix or (lieu.code, cle(lieu.choix)) in vus:
            continue
        vus.add((lieu.code, cle(lieu.choix)))
        if len(comptes[cle(lieu.choix)]) > 1:
            lieu = dataclasses.replace(lieu, choix=f"{lieu.choix} — {lieu.code}")
        par_choix[cle(lieu.choix)] = lieu
        choisissables.append((cle(lieu.nom), tuple(cle(lieu.choix).split()), lieu))
    return TableCog(
        {c: tuple(sorted(v, key=lambda x: ORDRE_TYPES.index(x.type))) for c, v in par_code.items()},
        par_choix,
        tuple(choisissables),
    )


def lieu(code: str) -> Lieu | None:
    """The main place of a code (the current commune before a former one), None if the COG does not know it."""
    lieux = table().par_code.get((code or "").strip().upper())
    return lieux[0] if lieux else None


def libelle(code: str) -> str:
    """'69123' -> 'Lyon (Rhône) · 69123'; a commune nouvelle also names the former ones that had its code; an
    unknown code is shown as such (never hidden)."""
    code = (code or "").strip().upper()
    if not code:
        return ""
    lieux = table().par_code.get(code)
    if not lieux:
        return f"{code} (code absent du COG)"
    principal = lieux[0]
    if principal.type == "X":
        return f"ancienne commune rattachée à {principal.rattachement} ({principal.departement}) · {code}"
    anciens = [x.nom for x in lieux[1:] if x.type in "DA" and x.nom != principal.nom]
    texte = principal.libelle
    if principal.type in "DA":
        texte += f" — aujourd'hui {principal.rattachement}"
    if anciens:
        texte += f" — anciennement {', '.join(anciens)}"
    return texte


def chercher(texte: str, limite: int = 20) -> list[Lieu]:
    """Places whose name starts with what was typed, word by word ('st eti' finds Saint-Étienne), exact names
    first, communes before former communes and countries."""
    q = cle(texte)
    if not q:
        return []
    mots = q.split()
    trouves: list[tuple[int, int, str, Lieu]] = []
    premier = mots[0]
    for nom, mots_choix, lieu in table().choisissables:
        if nom.startswith(q):
            rang = 0 if nom == q else 1
        elif premier in nom and all(any(m.startswith(x) for m in mots_choix) for x in mots):
            rang = 2
        else:
            continue
        trouves.append((rang, ORDRE_TYPES.index(lieu.type), lieu.choix, lieu))
    trouves.sort(key=lambda t: t[:3])
    return [t[3] for t in trouves[:limite]]


class LieuAmbigu(ValueError):
    """A birthplace typed that names no place or several: the French message lists what to choose from."""


def resoudre(texte: str) -> str:
    """The COG code of a birthplace chosen (its choice text), typed (an unambiguous name) or given as a code
    known to the COG; `LieuAmbigu` otherwise, with the candidates."""
    brut = (texte or "").strip()
    if re.fullmatch(r"(?:\d{5}|2[AB]\d{3})", brut.upper()):
        if lieu(brut.upper()) is None:
            raise LieuAmbigu(
                f"Lieu de naissance « {brut} » : code absent du Code officiel géographique ; "
                "choisissez la commune ou le pays par son nom."
            )
        return brut.upper()
    q = cle(brut)
    if q in table().par_choix:
        return table().par_choix[q].code
    candidats = chercher(brut, limite=6)
    exacts = {c.code for c in candidats if cle(c.nom) == q}
    if len(exacts) == 1:
        return exacts.pop()
    if not candidats:
        raise LieuAmbigu(
            f"Lieu de naissance « {brut} » : aucune commune ni aucun pays de ce nom ; vérifiez "
            "l'orthographe (commune telle qu'elle s'appelait à la naissance, ou pays)."
        )
    noms = " ; ".join(c.choix for c in candidats[:5])
    raise LieuAmbigu(
        f"Lieu de naissance « {brut} » : plusieurs lieux possibles ({noms}…) ; choisissez-en un "
        "dans la liste."
    )
