"""Reconcile the OG's staff with the public Annuaire Santé extract (PS_LibreAcces_Personne_activite).

The extract has no birth data, so a person is recognised by the RPPS number when Socle knows it, else by
nom/prénom d'exercice against every name the HR file gives (nom de naissance, nom d'usage, prénom usuel and
each birth first name), weighted by the structure (same FINESS ET, same EJ), the profession and the genre
d'activité. Only a clear, unique candidate is taken; anything close goes to a review list, never merged.

Streaming: the agents (≤ ~10 000) are indexed in memory by blocking keys; the national file (millions of
lines) is read once and each line is scored on the spot against the few agents it can concern. What is kept
is bounded by the OG's size (a few best candidates per agent, the lines registered in the OG's structures),
never by the file's size.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Indel

from socle.core.identifiants import luhn_ok

from . import colonnes as C
from .normalisation import (
    cles_identite,
    cles_nom,
    cles_prenom,
    formes,
    jetons_significatifs,
    normaliser,
    phonetique,
)

PROFESSION_ROLE = "99"  # "Acteur participant au système de santé caractérisé par rôle" (TRE_R291)

# Thresholds of the decision (see `rapprocher`). Score = identité × (0.70 + 0.20 structure + 0.06 profession
# + 0.04 genre): a perfect name in the same ET with the same profession and genre gives 1.0, the same in
# another ET of the same EJ 0.94, a perfect name outside the OG at most 0.80 (review at best, never automatic).
SEUIL_AUTO = 0.90  # a candidate below this is never taken automatically
SEUIL_NOM_AUTO = 0.92  # and both the surname and the first name must be this close on their own
ECART_MIN = 0.08  # the best must lead the second (another person) by this much
SEUIL_REVUE = 0.75  # below this a line is not even shown as a candidate
MAX_CANDIDATS = 5  # candidates kept per agent (memory bound)


class AnnuaireInvalide(ValueError):
    """The file is not a readable PS_LibreAcces_Personne_activite extract (message in French)."""


@dataclass(frozen=True)
class FicheAgent:
    """One staff member as known by Socle (built by the caller from its Professionnel)."""

    cle: str
    rpps: str
    nom_naissance: str
    nom_usage: str
    prenoms: tuple[str, ...]
    prenom_usuel: str
    finess_et: tuple[str, ...]
    finess_ej: str
    profession: str
    genre_activite: str


@dataclass(frozen=True)
class LigneAnnuaire:
    """One line of PS_LibreAcces_Personne_activite; `numero_ligne` counts the header as line 1."""

    rpps: str  # '' for ADELI lines
    nom_exercice: str
    prenom_exercice: str
    profession_code: str
    genre_activite: str
    finess_site: str
    finess_ej: str
    numero_ligne: int
    raw: dict
    type_identifiant: str = C.TYPE_RPPS
    identifiant_pp: str = ""

    @property
    def personne(self) -> str:
        """Key of the person (one person has one line per activity)."""
        if self.identifiant_pp:
            return f"{self.type_identifiant}{self.identifiant_pp}"
        return f"#ligne{self.numero_ligne}"


@dataclass
class Rapprochement:
    deja_rpps: list[tuple[FicheAgent, LigneAnnuaire]] = field(default_factory=list)
    a_verifier: list[tuple[FicheAgent, list[tuple[LigneAnnuaire, float]]]] = field(default_factory=list)
    partis: list[LigneAnnuaire] = field(default_factory=list)
    manquants: list[FicheAgent] = field(default_factory=list)
    lignes_lues: int = 0
    lignes_og: int = 0  # lines registered in one of the OG's structures

    def resume(self) -> dict[str, int]:
        """Counts for a report or a dashboard."""
        return {
            "lignes_lues": self.lignes_lues,
            "lignes_og": self.lignes_og,
            "deja_rpps": len(self.deja_rpps),
            "a_verifier": len(self.a_verifier),
            "partis": len(self.partis),
            "manquants": len(self.manquants),
        }


# --------------------------------------------------------------------------------------------- reading


def _ouvrir_binaire(path) -> tuple[io.BufferedIOBase, list]:
    """Binary stream of the extract: the .txt itself, or the single .txt member of the official zip.

    `path` is a path, or an open binary file (an upload), which is read but left open for its owner.
    Returns the stream and what to close afterwards.
    """
    if hasattr(path, "read"):
        nom, source = getattr(path, "name", None) or "fichier", path
        source.seek(0)
        est_zip = zipfile.is_zipfile(source)
        source.seek(0)
    else:
        path = Path(path)
        nom, source = path.name, None
        est_zip = zipfile.is_zipfile(path)
    if est_zip:
        zf = zipfile.ZipFile(source if source is not None else path)
        membres = [i for i in zf.infolist() if not i.is_dir() and i.filename.lower().endswith(".txt")]
        if len(membres) > 1:
            membres = [i for i in membres if "personne_activite" in i.filename.lower()]
        if len(membres) != 1:
            noms = ", ".join(i.filename for i in zf.infolist()) or "aucun fichier"
            zf.close()
            raise AnnuaireInvalide(
                f"{Path(str(nom)).name} : l'archive doit contenir un seul fichier .txt "
                f"PS_LibreAcces_Personne_activite (trouvé : {noms})"
            )
        flux = zf.open(membres[0])
        return flux, [flux, zf]
    if source is not None:
        return source, []
    flux = open(path, "rb")
    return flux, [flux]


def _decoder(brut: bytes, numero: int) -> str:
    try:
        return brut.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AnnuaireInvalide(
            f"ligne {numero} : caractère non UTF-8 à la position {exc.start + 1} (le fichier doit être en UTF-8)"
        ) from None


def _champs(texte: str) -> list[str]:
    texte = texte.rstrip("\r\n")
    if texte.endswith("|"):
        texte = texte[:-1]
    return texte.split("|")


def lire_annuaire(
    path,
    rejets: list[tuple[int, str]] | None = None,
    filtre: Callable[[str, str, str, str, str], bool] | None = None,
) -> Iterator[LigneAnnuaire]:
    """Stream the lines of the extract (plain .txt or .zip), validating the header and every line.

    `path`: a path or an open binary file. A malformed line (wrong number of columns, bad encoding, RPPS number with a wrong key) raises
    `AnnuaireInvalide` naming its line number — unless `rejets` is a list: the line is then appended to it
    as (numéro de ligne, message) and skipped, so that one bad line of a national file does not stop the run
    and none is dropped silently. A bad header always raises.

    `filtre(rpps, nom, prénom, finess site, finess EJ)`, when given, is called on every valid line and only
    the lines it accepts are yielded (the reconciliation's fast path).
    """
    flux, a_fermer = _ouvrir_binaire(path)
    try:
        premiere = flux.readline()
        if not premiere:
            raise AnnuaireInvalide("fichier vide : la ligne d'en-tête PS_LibreAcces_Personne_activite manque")
        if premiere.startswith(codecs.BOM_UTF8):
            premiere = premiere[len(codecs.BOM_UTF8) :]
        entete = [c.strip() for c in _champs(_decoder(premiere, 1))]
        index = {normaliser(c): i for i, c in enumerate(entete)}
        manquantes = [c for c in C.REQUISES if normaliser(c) not in index]
        if manquantes:
            raise AnnuaireInvalide(
                "ligne 1 : en-tête inattendu, colonnes absentes : "
                + ", ".join(f"« {c} »" for c in manquantes)
                + f" ({len(entete)} colonnes lues, {len(C.COLONNES)} attendues, séparées par « | »)"
            )
        n = len(entete)
        i_type, i_id, i_nom, i_prenom, i_prof, i_site, i_ej, i_genre = (index[normaliser(c)] for c in C.REQUISES)
        cles = tuple(entete)
        numero = 1
        for brut in flux:
            numero += 1
            try:
                texte = _decoder(brut, numero)
                if not texte.strip():
                    continue
                champs = _champs(texte)
                if len(champs) != n:
                    raise AnnuaireInvalide(
                        f"ligne {numero} : {len(champs)} colonnes au lieu de {n} "
                        "(séparateur « | », chaque ligne se termine par « | »)"
                    )
                type_id = champs[i_type].strip()
                ident = champs[i_id].strip()
                rpps = ""
                if type_id == C.TYPE_RPPS:
                    if not (len(ident) == 11 and ident.isdigit() and luhn_ok(ident)):
                        raise AnnuaireInvalide(
                            f"ligne {numero}, colonne « {C.IDENTIFIANT} » : « {ident} » n'est pas un numéro RPPS "
                            "valide (11 chiffres, clé de Luhn)"
                        )
                    rpps = ident
            except AnnuaireInvalide as exc:
                if rejets is None:
                    raise
                rejets.append((numero, str(exc)))
                continue
            nom, prenom = champs[i_nom].strip(), champs[i_prenom].strip()
            site, ej = champs[i_site].strip(), champs[i_ej].strip()
            if filtre is not None and not filtre(rpps, nom, prenom, site, ej):
                continue
            yield LigneAnnuaire(
                rpps,
                nom,
                prenom,
                champs[i_prof].strip(),
                champs[i_genre].strip(),
                site,
                ej,
                numero,
                dict(zip(cles, champs, strict=True)),
                type_id,
                ident,
            )
    finally:
        for objet in a_fermer:
            objet.close()


# --------------------------------------------------------------------------------------------- scoring


@lru_cache(maxsize=1 << 16)
def similarite_nom(a: str, b: str, inclusion: float = 0.9) -> float:
    """Similarity in [0, 1] of two names (surnames or first names) as written by two different people.

    1.0 for the same name up to accents, case, hyphens/apostrophes/spaces, particles or token order; a typo
    that keeps the sound (one or two edits) scores 0.95/0.90; a compound name containing the other
    ("MARTIN-DUPONT" / "DUPONT") scores `inclusion`; otherwise the Indel ratio of the compact forms.
    """
    fa, fb = formes(a), formes(b)
    if not fa or not fb:
        return 0.0
    meilleur = 0.0
    for x in fa:
        for y in fb:
            if x == y:
                return 1.0
            r = Indel.normalized_similarity(x, y)
            if r > 0.6:
                d = OSA.distance(x, y, score_cutoff=2)
                if d <= 2 and phonetique(x) == phonetique(y):
                    r = max(r, 1.0 - 0.05 * d)
            meilleur = max(meilleur, r)
    ja, jb = set(jetons_significatifs(a)), set(jetons_significatifs(b))
    if ja and jb and (ja <= jb or jb <= ja):
        meilleur = max(meilleur, inclusion)
    return meilleur


def _accord(x: str, y: str) -> float:
    """1 same code, 0 different, 0.5 when one side does not say."""
    if not x or not y:
        return 0.5
    return 1.0 if x == y else 0.0


@dataclass(frozen=True)
class Detail:
    """Components of a score, kept for the review screen ("why is this a candidate")."""

    nom: float
    prenom: float
    structure: float
    profession: float
    genre: float

    @property
    def identite(self) -> float:
        return 0.55 * self.nom + 0.45 * self.prenom

    @property
    def score(self) -> float:
        return self.identite * (0.70 + 0.20 * self.structure + 0.06 * self.profession + 0.04 * self.genre)


def structure_commune(agent: FicheAgent, ligne: LigneAnnuaire, finess_og: set[str] | frozenset = frozenset()) -> float:
    """1 same FINESS ET, 0.7 same EJ, 0.4 another structure of the OG, 0 elsewhere."""
    if ligne.finess_site and ligne.finess_site in agent.finess_et:
        return 1.0
    if ligne.finess_ej and ligne.finess_ej == agent.finess_ej:
        return 0.7
    if (ligne.finess_site and ligne.finess_site in finess_og) or (ligne.finess_ej and ligne.finess_ej in finess_og):
        return 0.4
    return 0.0


def noms_agent(agent: FicheAgent) -> tuple[str, ...]:
    return tuple(n for n in (agent.nom_naissance, agent.nom_usage) if n)


def prenoms_agent(agent: FicheAgent) -> tuple[str, ...]:
    vus = dict.fromkeys(p for p in (agent.prenom_usuel, *agent.prenoms) if p)
    return tuple(vus)


def detail(agent: FicheAgent, ligne: LigneAnnuaire, finess_og: set[str] | frozenset = frozenset()) -> Detail:
    nom = max((similarite_nom(n, ligne.nom_exercice) for n in noms_agent(agent)), default=0.0)
    prenom = max((similarite_nom(p, ligne.prenom_exercice, 0.85) for p in prenoms_agent(agent)), default=0.0)
    return Detail(
        nom,
        prenom,
        structure_commune(agent, ligne, finess_og),
        _accord(agent.profession, ligne.profession_code),
        _accord(agent.genre_activite, ligne.genre_activite),
    )


def score(agent: FicheAgent, ligne: LigneAnnuaire, finess_og: set[str] | frozenset = frozenset()) -> float:
    """Likelihood in [0, 1] that `ligne` is an activity of `agent` (monotone in every component)."""
    return detail(agent, ligne, finess_og).score


# --------------------------------------------------------------------------------------------- matching


class _Candidats:
    """Best lines per distinct person for one agent, at most MAX_CANDIDATS persons (bounded memory)."""

    __slots__ = ("par_personne",)

    def __init__(self) -> None:
        self.par_personne: dict[str, tuple[float, LigneAnnuaire, Detail]] = {}

    def ajouter(self, s: float, ligne: LigneAnnuaire, d: Detail) -> None:
        cle = ligne.personne
        actuel = self.par_personne.get(cle)
        if actuel is not None:
            if s > actuel[0]:
                self.par_personne[cle] = (s, ligne, d)
            return
        if len(self.par_personne) >= MAX_CANDIDATS:
            pire = min(self.par_personne, key=lambda k: self.par_personne[k][0])
            if self.par_personne[pire][0] >= s:
                return
            del self.par_personne[pire]
        self.par_personne[cle] = (s, ligne, d)

    def restants(self, pris: set[str]) -> list[tuple[float, LigneAnnuaire, Detail]]:
        return sorted((v for k, v in self.par_personne.items() if k not in pris), key=lambda v: (-v[0], v[1].numero_ligne))


def _homonyme(d: Detail) -> bool:
    """Another person of the OG's structures with (nearly) the same name: only a person can tell them apart."""
    return d.structure > 0 and d.nom >= SEUIL_NOM_AUTO and d.prenom >= SEUIL_NOM_AUTO


def _clair(cands: list[tuple[float, LigneAnnuaire, Detail]]) -> bool:
    if not cands:
        return False
    s, _ligne, d = cands[0]
    if s < SEUIL_AUTO or d.nom < SEUIL_NOM_AUTO or d.prenom < SEUIL_NOM_AUTO:
        return False
    if len(cands) == 1:
        return True
    return s - cands[1][0] >= ECART_MIN and not _homonyme(cands[1][2])


def _cle_floue(nom: str, prenom: str) -> str:
    return normaliser(f"{nom} {prenom}")


class _Rapprocheur:
    """Agents indexed by blocking keys; lines are examined one by one, decisions taken at the end."""

    def __init__(self, agents: Iterable[FicheAgent], finess_og: set[str]) -> None:
        self.finess_og = {f for f in finess_og if f}
        self.agents = list(agents)
        self.par_rpps: dict[str, list[int]] = defaultdict(list)
        self.par_cle: dict[str, list[int]] = defaultdict(list)
        self.par_et: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for i, a in enumerate(self.agents):
            if a.rpps:
                self.par_rpps[a.rpps].append(i)
            for cle in cles_identite(noms_agent(a), prenoms_agent(a)):
                self.par_cle[cle].append(i)
            for et in a.finess_et:
                for n in noms_agent(a):
                    for p in prenoms_agent(a):
                        self.par_et[et].append((_cle_floue(n, p), i))
        self.choix_et = {et: [c for c, _ in v] for et, v in self.par_et.items()}
        self.cles_noms = frozenset(c.split("|", 1)[0] for c in self.par_cle)
        self.trouves_rpps: dict[int, LigneAnnuaire] = {}
        self.candidats: dict[int, _Candidats] = defaultdict(_Candidats)
        self.lignes_og: list[LigneAnnuaire] = []
        self.vues = 0

    def concerne(self, rpps: str, nom: str, prenom: str, site: str, ej: str) -> bool:
        """Cheap test on the raw fields: can this line matter at all? (most national lines cannot)."""
        self.vues += 1
        if (rpps and rpps in self.par_rpps) or site in self.finess_og or ej in self.finess_og:
            return True
        cles_n = cles_nom(nom)
        if self.cles_noms.isdisjoint(cles_n):
            return False
        par_cle = self.par_cle
        return any(f"{n}|{p}" in par_cle for n in cles_n for p in cles_prenom(prenom))

    def examiner(self, ligne: LigneAnnuaire) -> None:
        agents, finess_og = self.agents, self.finess_og
        if ligne.rpps and ligne.rpps in self.par_rpps:
            for i in self.par_rpps[ligne.rpps]:
                actuel = self.trouves_rpps.get(i)
                if actuel is None or structure_commune(agents[i], ligne, finess_og) > structure_commune(
                    agents[i], actuel, finess_og
                ):
                    self.trouves_rpps[i] = ligne
        dans_og = ligne.finess_site in finess_og or ligne.finess_ej in finess_og
        concernes: set[int] = set()
        cles_n = cles_nom(ligne.nom_exercice)
        if not self.cles_noms.isdisjoint(cles_n):
            for n in cles_n:
                for p in cles_prenom(ligne.prenom_exercice):
                    hits = self.par_cle.get(f"{n}|{p}")
                    if hits:
                        concernes.update(hits)
        if dans_og:
            self.lignes_og.append(ligne)
            choix = self.choix_et.get(ligne.finess_site)
            if choix:
                requete = _cle_floue(ligne.nom_exercice, ligne.prenom_exercice)
                par_et = self.par_et[ligne.finess_site]
                for _c, _s, j in process.extract(
                    requete, choix, scorer=fuzz.token_sort_ratio, score_cutoff=70, limit=None
                ):
                    concernes.add(par_et[j][1])
        for i in concernes:
            d = detail(agents[i], ligne, finess_og)
            s = d.score
            if s >= SEUIL_REVUE:
                self.candidats[i].ajouter(s, ligne, d)

    def conclure(self) -> Rapprochement:
        liste = self.agents
        resultat = Rapprochement(lignes_lues=self.vues, lignes_og=len(self.lignes_og))
        pris: set[str] = set()
        for i, ligne in self.trouves_rpps.items():
            resultat.deja_rpps.append((liste[i], ligne))
            pris.add(ligne.personne)
        en_attente = [i for i in range(len(liste)) if i not in self.trouves_rpps]
        vide = _Candidats()
        while True:
            revendications: dict[str, list[int]] = defaultdict(list)
            for i in en_attente:
                if liste[i].rpps:  # a known number absent from the file: never re-identified by name alone
                    continue
                cands = self.candidats.get(i, vide).restants(pris)
                if _clair(cands):
                    revendications[cands[0][1].personne].append(i)
            gagnes = {pers: ags[0] for pers, ags in revendications.items() if len(ags) == 1}
            if not gagnes:
                break
            for i in gagnes.values():
                resultat.deja_rpps.append((liste[i], self.candidats[i].restants(pris)[0][1]))
            pris.update(gagnes)
            retenus = set(gagnes.values())
            en_attente = [i for i in en_attente if i not in retenus]

        en_revue: set[str] = set()
        for i in en_attente:
            cands = self.candidats.get(i, vide).restants(pris)
            if cands:
                resultat.a_verifier.append((liste[i], [(ligne, round(s, 4)) for s, ligne, _d in cands]))
                en_revue.update(ligne.personne for _s, ligne, _d in cands)
            else:
                resultat.manquants.append(liste[i])
        resultat.partis = [lg for lg in self.lignes_og if lg.personne not in pris and lg.personne not in en_revue]
        return resultat


def rapprocher(agents: Iterable[FicheAgent], lignes: Iterable[LigneAnnuaire], finess_og: set[str]) -> Rapprochement:
    """Reconcile the staff of an OG with the Annuaire lines, reading `lignes` once.

    1. An agent whose RPPS number is in the file is `deja_rpps` (exact, whatever the names say).
    2. Otherwise each line sharing a blocking key with an agent (phonetic surname × phonetic first name), or
       registered in one of the OG's structures and fuzzily close to an agent of that ET, is scored; the
       best few lines per distinct person are kept per agent.
    3. Decisions: a candidate is taken when it scores ≥ SEUIL_AUTO, surname and first name each ≥
       SEUIL_NOM_AUTO, leads the next person by ECART_MIN, the next person is not a homonym registered in
       the OG's structures (same name in another ET: a person decides), no other agent claims it, and the
       agent has no known RPPS number pointing elsewhere; taken persons leave the other agents' lists and
       the round is repeated. Agents left with candidates go to `a_verifier`, the others to `manquants`.
    4. `partis`: lines registered in the OG's structures whose person was taken by no agent and is not
       pending review.
    """
    moteur = _Rapprocheur(agents, finess_og)
    for ligne in lignes:
        moteur.vues += 1
        moteur.examiner(ligne)
    return moteur.conclure()


def rapprocher_fichier(
    agents: Iterable[FicheAgent], path, finess_og: set[str], rejets: list[tuple[int, str]] | None = None
) -> Rapprochement:
    """Same as `rapprocher(agents, lire_annuaire(path, rejets), finess_og)`, faster on the national file.

    Every line is still decoded and validated, but a `LigneAnnuaire` is only built for the lines that can
    matter (known RPPS, one of the OG's FINESS, or a blocking key of an agent).
    """
    moteur = _Rapprocheur(agents, finess_og)
    for ligne in lire_annuaire(path, rejets, filtre=moteur.concerne):
        moteur.examiner(ligne)
    return moteur.conclure()
