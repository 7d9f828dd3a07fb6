"""Détection des doublons probables d'identités (identitovigilance, RNIV).

Why this shape: comparing every pair is quadratic, so identities are first put in *blocks* by several cheap keys
(each key tolerates one kind of input error), only pairs sharing a block are compared, and a pair found by
several passes is compared once. Each trait gives a factor in [0, 1]; the score is their product, so a single
incompatible trait (another first name for twins, a far-away birth date for homonyms) sinks the pair.

Passes (each tolerant to one family of errors, together they cover the planted kinds):
1. (date de naissance aux jour/mois près, sexe, clé phonétique du premier prénom): typos in the name, birth
   name vs used name (marriage), particles, missing birthplace, day/month swapped;
2. (date aux jour/mois près, sexe, clé phonétique d'un nom): first names inverted / only the first one /
   misspelt;
3. (clé phonétique d'un nom, clé phonétique du premier prénom), split by (mois, jour), (année, mois),
   (année, jour) when the block is large: a one-digit typo in the birth date keeps two of the three parts.
A block still larger than ``TAILLE_MAX_BLOC`` is walked as a sorted neighbourhood (each identity is compared
with the next ``TAILLE_MAX_BLOC`` ones in name order) so the cost stays linear.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz.distance import OSA, JaroWinkler

from .phonetique import PARTICULES, cle_phonetique, mots, normaliser

#: Default decision threshold: a pair at or above it is a probable duplicate to review.
SEUIL_DEFAUT = 0.7
#: Largest block compared exhaustively (pairs grow as the square of the block).
TAILLE_MAX_BLOC = 40
#: Codes meaning "birthplace unknown" (RNIV R-LN-01: 99999).
LIEUX_INCONNUS = frozenset({"", "99999", "00000"})


@dataclass(frozen=True, slots=True)
class IdentiteCandidate:
    """The strict and used traits of one identity, as the engine needs them (no database object)."""

    cle: str
    nom_naissance: str
    prenoms: tuple[str, ...]
    #: a ``date``, or "AAAA-MM-JJ" where MM/JJ may be 00 (dates "lunaires", RNIV R-DN-02)
    date_naissance: date | str
    sexe: str
    lieu_naissance: str = ""
    nom_utilise: str = ""


@dataclass(frozen=True)
class PaireProbable:
    """Two identities that probably designate the same person, with the French reasons why."""

    cle_a: str
    cle_b: str
    score: float
    motifs: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------------
# Encoding: every identity is turned once into plain tuples of normalised keys.

@dataclass(slots=True)
class _Nom:
    brut: str  # normalised as RNIV (for messages)
    compact: str  # letters only
    sans_particule: str  # letters only, particles removed
    phon: str
    utilise: bool  # True when it is the nom utilisé


@dataclass(slots=True)
class _Code:
    cle: str
    annee: int
    mois: int
    jour: int
    sexe: str
    lieu: str
    noms: tuple[_Nom, ...]
    prenoms: tuple[str, ...]  # tokens (hyphen ≡ space, RNIV R-FMT-04)
    prenoms_affiches: str
    p1: str  # first token
    p1_phon: str


_CACHE_NOMS: dict[str, tuple[str, str, str, str]] = {}


def _decomposer_nom(texte: str) -> tuple[str, str, str, str]:
    res = _CACHE_NOMS.get(texte)
    if res is None:
        brut = normaliser(texte)
        elements = mots(brut)
        compact = "".join(elements)
        gardes = [m for m in elements if m not in PARTICULES]
        sans = "".join(gardes) if gardes else compact
        res = (brut, compact, sans, cle_phonetique(sans))
        _CACHE_NOMS[texte] = res
    return res


def _ymd(valeur: date | str) -> tuple[int, int, int]:
    if isinstance(valeur, date):
        return valeur.year, valeur.month, valeur.day
    texte = str(valeur).strip()
    if "/" in texte:  # JJ/MM/AAAA
        j, m, a = texte.split("/")
    else:
        a, m, j = texte.split("-")
    return int(a), int(m), int(j)


_SEXES = {"M": "M", "H": "M", "1": "M", "F": "F", "2": "F"}


def _encoder(ident: IdentiteCandidate) -> _Code:
    annee, mois, jour = _ymd(ident.date_naissance)
    noms = []
    vus = set()
    for texte, utilise in ((ident.nom_naissance, False), (ident.nom_utilise, True)):
        if not texte:
            continue
        brut, compact, sans, phon = _decomposer_nom(texte)
        if compact and compact not in vus:
            vus.add(compact)
            noms.append(_Nom(brut, compact, sans, phon, utilise))
    prenoms_norm = [normaliser(p) for p in ident.prenoms if p]
    jetons = tuple(m for p in prenoms_norm for m in mots(p))
    p1 = jetons[0] if jetons else ""
    lieu = (ident.lieu_naissance or "").strip().upper()
    return _Code(
        cle=ident.cle,
        annee=annee,
        mois=mois,
        jour=jour,
        sexe=_SEXES.get((ident.sexe or "").strip().upper()[:1], ""),
        lieu="" if lieu in LIEUX_INCONNUS else lieu,
        noms=tuple(noms),
        prenoms=jetons,
        prenoms_affiches=" ".join(prenoms_norm),
        p1=p1,
        p1_phon=cle_phonetique(p1),
    )


# ---------------------------------------------------------------------------------------------------------------
# Comparison of one pair: each trait gives (factor, reason).

def _fmt_date(a: int, m: int, j: int) -> str:
    return f"{j:02d}/{m:02d}/{a:04d}"


def _facteur_date(x: _Code, y: _Code) -> tuple[float, str]:
    if x.annee == y.annee and x.mois == y.mois and x.jour == y.jour:
        return 1.0, "même date de naissance"
    dx, dy = _fmt_date(x.annee, x.mois, x.jour), _fmt_date(y.annee, y.mois, y.jour)
    if x.annee == y.annee and x.jour == y.mois and x.mois == y.jour:
        return 0.9, f"jour et mois de naissance inversés ({dx}/{dy})"
    if 0 in (x.jour, x.mois, y.jour, y.mois) and x.annee == y.annee and x.annee:
        if (x.mois in (0, y.mois) or y.mois == 0) and (x.jour in (0, y.jour) or y.jour == 0):
            return 0.85, f"date de naissance incomplète d'un côté ({dx}/{dy})"
    sx, sy = f"{x.jour:02d}{x.mois:02d}{x.annee:04d}", f"{y.jour:02d}{y.mois:02d}{y.annee:04d}"
    ecarts = [k for k in range(8) if sx[k] != sy[k]]
    if len(ecarts) == 1:
        return 0.85, f"date de naissance à un chiffre près ({dx}/{dy})"
    if len(ecarts) == 2 and ecarts[1] == ecarts[0] + 1 and sx[ecarts[0]] == sy[ecarts[1]] and sx[ecarts[1]] == sy[ecarts[0]]:
        return 0.8, f"deux chiffres inversés dans la date de naissance ({dx}/{dy})"
    return 0.0, ""


def _facteur_un_nom(a: _Nom, b: _Nom) -> tuple[float, str]:
    if a.brut == b.brut:
        return 1.0, f"même nom ({a.brut})"
    if a.compact == b.compact:
        return 0.97, f"même nom aux tirets, apostrophes ou espaces près ({a.brut}/{b.brut})"
    if a.sans_particule == b.sans_particule:
        return 0.95, f"même nom à la particule près ({a.brut}/{b.brut})"
    if a.phon and a.phon == b.phon:
        return 0.92, f"nom phonétiquement proche ({a.brut}/{b.brut})"
    court = min(len(a.sans_particule), len(b.sans_particule))
    distance = OSA.distance(a.sans_particule, b.sans_particule, score_cutoff=2)
    if distance == 1 and court >= 3:
        return 0.88, f"faute de frappe probable dans le nom ({a.brut}/{b.brut})"
    if distance == 2 and court >= 7:
        return 0.75, f"nom proche à deux lettres près ({a.brut}/{b.brut})"
    return 0.4 * JaroWinkler.similarity(a.sans_particule, b.sans_particule), f"noms différents ({a.brut}/{b.brut})"


def _facteur_nom(x: _Code, y: _Code) -> tuple[float, str]:
    meilleur, motif = 0.0, "nom absent"
    for a in x.noms:
        for b in y.noms:
            f, m = _facteur_un_nom(a, b)
            if a.utilise != b.utilise:
                f *= 0.95
                naissance, utilise = (b, a) if a.utilise else (a, b)
                m = f"nom de naissance de l'une = nom utilisé de l'autre ({naissance.brut}/{utilise.brut})" if f >= 0.9 else m
            elif a.utilise and b.utilise:
                f *= 0.9  # two used names agreeing proves less than birth names
                m = m.replace("nom", "nom utilisé", 1)
            if f > meilleur:
                meilleur, motif = f, m
    return meilleur, motif


def _facteur_prenoms(x: _Code, y: _Code) -> tuple[float, str]:
    px, py = x.prenoms, y.prenoms
    if not px or not py:
        return 0.5, "prénoms absents d'un côté"
    if px == py:
        if x.prenoms_affiches != y.prenoms_affiches:
            return 0.97, f"mêmes prénoms aux tirets près ({x.prenoms_affiches}/{y.prenoms_affiches})"
        return 1.0, "mêmes prénoms"
    court, long_ = (px, py) if len(px) <= len(py) else (py, px)
    if long_[: len(court)] == court:
        return 0.95, f"premier(s) prénom(s) seulement d'un côté ({x.prenoms_affiches}/{y.prenoms_affiches})"
    if sorted(px) == sorted(py):
        if len(px) == 2:
            return 0.93, f"prénoms inversés ({x.prenoms_affiches}/{y.prenoms_affiches})"
        return 0.93, f"prénoms dans un autre ordre ({x.prenoms_affiches}/{y.prenoms_affiches})"
    if set(court) <= set(long_):
        return 0.85, f"prénoms de l'une inclus dans ceux de l'autre ({x.prenoms_affiches}/{y.prenoms_affiches})"
    reste = 1.0 if px[1:] == py[1:] or len(px) == 1 or len(py) == 1 else 0.95
    if x.p1 == y.p1:
        return 0.9 * reste, f"même premier prénom, autres prénoms différents ({x.prenoms_affiches}/{y.prenoms_affiches})"
    if x.p1_phon and x.p1_phon == y.p1_phon:
        return 0.9 * reste, f"prénom phonétiquement proche ({x.p1}/{y.p1})"
    if min(len(x.p1), len(y.p1)) >= 4 and OSA.distance(x.p1, y.p1, score_cutoff=1) == 1:
        return 0.85 * reste, f"faute de frappe probable dans le prénom ({x.p1}/{y.p1})"
    return 0.3 * JaroWinkler.similarity(x.p1, y.p1), f"prénoms différents ({x.p1}/{y.p1})"


def _facteur_sexe(x: _Code, y: _Code) -> tuple[float, str]:
    if x.sexe == y.sexe and x.sexe:
        return 1.0, "même sexe"
    if not x.sexe or not y.sexe:
        return 0.95, "sexe inconnu d'un côté"
    return 0.6, "sexe différent"


def _facteur_lieu(x: _Code, y: _Code) -> tuple[float, str]:
    if x.lieu and y.lieu:
        if x.lieu == y.lieu:
            return 1.0, "même lieu de naissance"
        if x.lieu[:2] == y.lieu[:2]:
            # same département or both abroad: may be a commune nouvelle (RNIV R-LN-02) or a typo
            return 0.85, f"lieux de naissance proches ({x.lieu}/{y.lieu})"
        return 0.6, f"lieux de naissance différents ({x.lieu}/{y.lieu})"
    if x.lieu or y.lieu:
        return 0.97, "lieu de naissance absent d'un côté"
    return 0.97, "lieu de naissance absent des deux côtés"


_FACTEURS: tuple[Callable[[_Code, _Code], tuple[float, str]], ...] = (
    _facteur_date,
    _facteur_sexe,
    _facteur_nom,
    _facteur_prenoms,
    _facteur_lieu,
)


def _score(x: _Code, y: _Code, seuil: float) -> tuple[float, list[str]] | None:
    """Product of the trait factors, stopping as soon as the pair cannot reach the threshold."""
    score = 1.0
    motifs = []
    for facteur in _FACTEURS:
        f, motif = facteur(x, y)
        score *= f
        if score < seuil:
            return None
        motifs.append(motif)
    return round(score, 4), motifs


def _paire(x: _Code, y: _Code, seuil: float) -> PaireProbable | None:
    res = _score(x, y, seuil)
    if res is None:
        return None
    a, b = (x, y) if x.cle <= y.cle else (y, x)
    return PaireProbable(a.cle, b.cle, res[0], res[1])


def comparer(a: IdentiteCandidate, b: IdentiteCandidate, seuil: float = 0.0) -> PaireProbable | None:
    """Score one pair (for a merge screen's explanation); None when below ``seuil``."""
    return _paire(_encoder(a), _encoder(b), seuil)


# ---------------------------------------------------------------------------------------------------------------
# Blocking.

def _cle_date(c: _Code) -> tuple[int, int, int]:
    """Birth date with day and month unordered: a day/month swap lands in the same block."""
    return (c.annee, min(c.jour, c.mois), max(c.jour, c.mois))


def _ajouter_paires(membres: Sequence[int], codes: list[_Code], n: int, paires: set[int]) -> None:
    if len(membres) <= TAILLE_MAX_BLOC:
        for k, i in enumerate(membres):
            base = i * n
            for j in membres[k + 1 :]:
                paires.add(base + j)
        return
    # Sorted neighbourhood: bounded cost whatever the block size.
    ordre = sorted(membres, key=lambda i: (codes[i].noms[0].compact if codes[i].noms else "", codes[i].prenoms, i))
    for k, i in enumerate(ordre):
        for j in ordre[k + 1 : k + 1 + TAILLE_MAX_BLOC]:
            paires.add(i * n + j if i < j else j * n + i)


def _blocs(codes: list[_Code]) -> Iterable[list[int]]:
    date_prenom: dict[tuple, list[int]] = {}
    date_nom: dict[tuple, list[int]] = {}
    nom_prenom: dict[tuple, list[int]] = {}
    for i, c in enumerate(codes):
        cd = _cle_date(c)
        date_prenom.setdefault((cd, c.sexe, c.p1_phon), []).append(i)
        phons = {nom.phon for nom in c.noms if nom.phon}
        for phon in phons:
            date_nom.setdefault((cd, c.sexe, phon), []).append(i)
            if c.p1_phon:
                nom_prenom.setdefault((phon, c.p1_phon), []).append(i)
    yield from (m for m in date_prenom.values() if len(m) > 1)
    yield from (m for m in date_nom.values() if len(m) > 1)
    for membres in nom_prenom.values():
        if len(membres) <= TAILLE_MAX_BLOC:
            if len(membres) > 1:
                yield membres
            continue
        # A single-digit typo in DDMMYYYY keeps two of (year, month, day): split the big block three ways.
        for partie in (lambda c: (c.mois, c.jour), lambda c: (c.annee, c.mois), lambda c: (c.annee, c.jour)):
            sous: dict[tuple, list[int]] = {}
            for i in membres:
                sous.setdefault(partie(codes[i]), []).append(i)
            yield from (m for m in sous.values() if len(m) > 1)


def detecter(identites: Iterable[IdentiteCandidate], seuil: float = SEUIL_DEFAUT) -> list[PaireProbable]:
    """Probable duplicate pairs among ``identites``, best score first (ties by keys, deterministic)."""
    codes = [_encoder(i) for i in identites]
    n = len(codes)
    paires: set[int] = set()
    for membres in _blocs(codes):
        _ajouter_paires(membres, codes, n, paires)
    resultat = []
    for k in sorted(paires):
        i, j = divmod(k, n)
        p = _paire(codes[i], codes[j], seuil)
        if p is not None:
            resultat.append(p)
    resultat.sort(key=lambda p: (-p.score, p.cle_a, p.cle_b))
    return resultat
