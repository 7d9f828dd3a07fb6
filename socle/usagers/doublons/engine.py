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
   (année, jour) past ``SUBDIVISER_AU_DELA`` members: a one-digit typo in the birth date keeps two of the three
   parts; also catches a wrong sex.
Factors (1 = identical): name 0.97 (separators) / 0.95 (particle or birth vs used name) / 0.92 (phonetic) /
0.88 (one slip); first names 0.95 (only the first) / 0.93 (order) / 0.9 (phonetic) / 0.85 (slip); date 0.9 (day
and month swapped) / 0.85 (one digit) / 0.8 (two digits swapped); sex 0.75 if different; birthplace 0.97 if
missing, 0.85 same département, 0.6 different. Anything else gives a low factor (≤ 0.4) or 0 for the date.
A block still larger than ``TAILLE_MAX_BLOC`` is walked as a sorted neighbourhood (each identity is compared
with the next ``TAILLE_MAX_BLOC`` ones in name order) so the cost stays linear.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz.distance import OSA, JaroWinkler

from socle.core.memoire import sans_ramasse_miettes
from socle.core.naissance import DateLunaire

from .phonetique import PARTICULES, cle_phonetique, mots, normaliser

#: Default decision threshold: a pair at or above it is a probable duplicate to review.
SEUIL_DEFAUT = 0.7
#: Largest block compared exhaustively (pairs grow as the square of the block).
TAILLE_MAX_BLOC = 40
#: A (name, first name) block larger than this is split by parts of the birth date before comparing.
SUBDIVISER_AU_DELA = 8
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

@dataclass(frozen=True, slots=True)
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
    prenoms_entiers: tuple[str, ...]  # whole first names, a compound one kept as one ("JEAN-PIERRE")
    prenoms_affiches: str
    p1: str  # first token
    p1_phon: str
    date_bloc: int  # see _date_non_ordonnee
    phons: tuple[str, ...]  # distinct phonetic keys of the birth and used names


_CACHE_NOMS: dict[tuple[str, bool], _Nom] = {}


def _decomposer_nom(texte: str, utilise: bool = False) -> _Nom:
    """Normalised forms of a name, shared between identities (names repeat a lot)."""
    res = _CACHE_NOMS.get((texte, utilise))
    if res is None:
        brut = normaliser(texte)
        elements = mots(brut)
        compact = "".join(elements)
        gardes = [m for m in elements if m not in PARTICULES]
        sans = "".join(gardes) if gardes else compact
        res = _Nom(brut, compact, sans, cle_phonetique(sans), utilise)
        _CACHE_NOMS[(texte, utilise)] = res
    return res


_DATE_TEXTE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$|^(\d{2})/(\d{2})/(\d{4})$")


def _ymd(valeur: date | str, cle: str = "") -> tuple[int, int, int]:
    if isinstance(valeur, date):
        return valeur.year, valeur.month, valeur.day
    m = _DATE_TEXTE.match(str(valeur or "").strip())
    if not m:
        raise ValueError(
            f"Identité {cle} : date de naissance illisible ({valeur!r}), attendu AAAA-MM-JJ ou JJ/MM/AAAA "
            "(00 admis pour un jour ou un mois inconnu, RNIV R-DN-02)."
        )
    if m.group(1):
        a, mo, j = m.group(1, 2, 3)
    else:
        j, mo, a = m.group(4, 5, 6)
    annee, mois, jour = int(a), int(mo), int(j)
    if mois > 12 or jour > 31:
        raise ValueError(f"Identité {cle} : date de naissance impossible ({valeur!r}).")
    return annee, mois, jour


_SEXES = {"M": "M", "H": "M", "1": "M", "F": "F", "2": "F"}
_CACHE_TEXTES: dict[tuple[str, str | None], str] = {}


def _sexe_lieu(champ: str, valeur: str | None) -> str:
    """Normalised sex ("M", "F" or "") or birthplace ("" when unknown), cached: few distinct values."""
    res = _CACHE_TEXTES.get((champ, valeur))
    if res is None:
        texte = (valeur or "").strip().upper()
        if champ == "sexe":
            res = _SEXES.get(texte[:1], "")
        else:
            res = "" if texte in LIEUX_INCONNUS else texte
        _CACHE_TEXTES[(champ, valeur)] = res
    return res


_CACHE_PRENOMS: dict[tuple[str, ...], tuple] = {}


def _decomposer_prenoms(prenoms: tuple[str, ...]) -> tuple:
    res = _CACHE_PRENOMS.get(prenoms)
    if res is None:
        norm = [normaliser(p) for p in prenoms if p]
        jetons = tuple(m for p in norm for m in mots(p))
        p1 = jetons[0] if jetons else ""
        entiers = tuple(m for p in norm for m in p.split(" "))
        res = (jetons, entiers, " ".join(norm), p1, cle_phonetique(p1))
        _CACHE_PRENOMS[prenoms] = res
    return res


def _encoder(ident: IdentiteCandidate) -> _Code:
    d = ident.date_naissance
    annee, mois, jour = (d.year, d.month, d.day) if type(d) in (date, DateLunaire) else _ymd(d, ident.cle)
    nom = _decomposer_nom(ident.nom_naissance)
    noms: tuple[_Nom, ...] = (nom,) if nom.compact else ()
    if ident.nom_utilise:
        utilise = _decomposer_nom(ident.nom_utilise, True)
        if utilise.compact and utilise.compact != nom.compact:
            noms = (*noms, utilise)
    prenoms = ident.prenoms if type(ident.prenoms) is tuple else tuple(ident.prenoms)
    jetons, entiers, affiches, p1, p1_phon = _decomposer_prenoms(prenoms)
    phons: tuple[str, ...] = ()
    for n in noms:
        if n.phon and n.phon not in phons:
            phons += (n.phon,)
    # positional arguments: this runs a million times
    return _Code(
        ident.cle,
        annee,
        mois,
        jour,
        _sexe_lieu("sexe", ident.sexe),
        _sexe_lieu("lieu", ident.lieu_naissance),
        noms,
        jetons,
        entiers,
        affiches,
        p1,
        p1_phon,
        _date_non_ordonnee(annee, mois, jour),
        phons,
    )


# ---------------------------------------------------------------------------------------------------------------
# Comparison of one pair: each trait gives (factor, reason).

def _fmt_date(a: int, m: int, j: int) -> str:
    return f"{j:02d}/{m:02d}/{a:04d}"


def _facteur_date(x: _Code, y: _Code) -> tuple[float, str]:
    meme_a, meme_m, meme_j = x.annee == y.annee, x.mois == y.mois, x.jour == y.jour
    if meme_a and meme_m and meme_j:
        return 1.0, "même date de naissance"
    if meme_a and x.jour == y.mois and x.mois == y.jour:
        return 0.9, f"jour et mois de naissance inversés ({_dates(x, y)})"
    if not (meme_a or meme_m or meme_j):
        return 0.0, ""  # no single typo changes day, month and year at once
    if meme_a and x.annee and 0 in (x.jour, x.mois, y.jour, y.mois):
        if (meme_m or 0 in (x.mois, y.mois)) and (meme_j or 0 in (x.jour, y.jour)):
            return 0.85, f"date de naissance incomplète d'un côté ({_dates(x, y)})"
    if meme_a + meme_m + meme_j != 2:  # two parts differ: compare all digits (rare)
        sx, sy = f"{x.jour:02d}{x.mois:02d}{x.annee:04d}", f"{y.jour:02d}{y.mois:02d}{y.annee:04d}"
    elif not meme_a:  # one part differs (the common case): compare its digits only
        sx, sy = f"{x.annee:04d}", f"{y.annee:04d}"
    elif not meme_m:
        sx, sy = f"{x.mois:02d}", f"{y.mois:02d}"
    else:
        sx, sy = f"{x.jour:02d}", f"{y.jour:02d}"
    ecarts = [k for k in range(len(sx)) if sx[k] != sy[k]]
    if len(ecarts) == 1:
        return 0.85, f"date de naissance à un chiffre près ({_dates(x, y)})"
    if len(ecarts) == 2 and ecarts[1] == ecarts[0] + 1 and sx[ecarts[0]] == sy[ecarts[1]] and sx[ecarts[1]] == sy[ecarts[0]]:
        return 0.8, f"deux chiffres inversés dans la date de naissance ({_dates(x, y)})"
    return 0.0, ""


def _dates(x: _Code, y: _Code) -> str:
    return f"{_fmt_date(x.annee, x.mois, x.jour)} et {_fmt_date(y.annee, y.mois, y.jour)}"


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
    distance = min(
        OSA.distance(a.sans_particule, b.sans_particule, score_cutoff=2),
        OSA.distance(a.compact, b.compact, score_cutoff=2),  # the slip may be in a particle
    )
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
    if set(x.prenoms_entiers if len(x.prenoms_entiers) <= len(y.prenoms_entiers) else y.prenoms_entiers) <= set(
        y.prenoms_entiers if len(x.prenoms_entiers) <= len(y.prenoms_entiers) else x.prenoms_entiers
    ):
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
    return 0.75, "sexe différent"


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
    if x.cle > y.cle:  # reasons read "value of cle_a / value of cle_b", whatever the input order
        x, y = y, x
    res = _score(x, y, seuil)
    if res is None:
        return None
    return PaireProbable(x.cle, y.cle, res[0], res[1])


def comparer(a: IdentiteCandidate, b: IdentiteCandidate, seuil: float = 0.0) -> PaireProbable | None:
    """Score one pair (for a merge screen's explanation); None when below ``seuil``."""
    return _paire(_encoder(a), _encoder(b), seuil)


# ---------------------------------------------------------------------------------------------------------------
# Blocking.

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


def _date_non_ordonnee(annee: int, mois: int, jour: int) -> int:
    """Birth date with day and month unordered: a day/month swap lands in the same block."""
    return annee * 10000 + (jour * 100 + mois if jour < mois else mois * 100 + jour)


def _ajouter(blocs: dict, cle: tuple, i: int) -> None:
    membres = blocs.get(cle)
    if membres is None:
        blocs[cle] = [i]
    else:
        membres.append(i)


def _blocs(codes: list[_Code], passes: Collection[int] = (1, 2, 3)) -> Iterable[list[int]]:
    """Blocks of each pass in turn (one pass's index in memory at a time). Plain loops: this runs on millions."""
    blocs: dict[tuple, list[int]] = {}
    if 1 in passes:
        for i, c in enumerate(codes):
            cle = (c.date_bloc, c.sexe, c.p1_phon)
            membres = blocs.get(cle)
            if membres is None:
                blocs[cle] = [i]
            else:
                membres.append(i)
        yield from (m for m in blocs.values() if len(m) > 1)
    if 2 in passes:
        blocs = {}
        for i, c in enumerate(codes):
            for phon in c.phons:
                _ajouter(blocs, (c.date_bloc, c.sexe, phon), i)
        yield from (m for m in blocs.values() if len(m) > 1)
    if 3 not in passes:
        return
    blocs = {}
    for i, c in enumerate(codes):
        if c.p1_phon:
            for phon in c.phons:
                _ajouter(blocs, (phon, c.p1_phon), i)
    for membres in blocs.values():
        if len(membres) <= SUBDIVISER_AU_DELA:
            if len(membres) > 1:
                yield membres
            continue
        # A single-digit typo in DDMMYYYY keeps two of (year, month, day): split the big block three ways.
        for partie in (lambda c: (c.mois, c.jour), lambda c: (c.annee, c.mois), lambda c: (c.annee, c.jour)):
            sous: dict[tuple, list[int]] = {}
            for i in membres:
                _ajouter(sous, partie(codes[i]), i)
            yield from (m for m in sous.values() if len(m) > 1)


def _trouver(codes: list[_Code], passes: Collection[int], seuil: float) -> list[PaireProbable]:
    n = len(codes)
    paires: set[int] = set()
    for membres in _blocs(codes, passes):
        _ajouter_paires(membres, codes, n, paires)
    resultat = []
    for k in sorted(paires):
        i, j = divmod(k, n)
        p = _paire(codes[i], codes[j], seuil)
        if p is not None:
            resultat.append(p)
    return resultat


def detecter(
    identites: Iterable[IdentiteCandidate],
    seuil: float = SEUIL_DEFAUT,
    exclues: Collection[tuple[str, str]] = (),
) -> list[PaireProbable]:
    """Probable duplicate pairs among ``identites``, best score first (ties by keys, deterministic).

    ``exclues``: pairs already reviewed and judged distinct people (e.g. homonymes avérés, RNIV R-AT-05),
    in either order; they are not reported again.
    """
    deja_vues = {(a, b) if a <= b else (b, a) for a, b in exclues}
    with sans_ramasse_miettes():  # millions of small objects, no cycles
        codes = [_encoder(i) for i in identites]
        trouvees = _trouver(codes, (1, 2, 3), seuil)
    resultat = [p for p in trouvees if (p.cle_a, p.cle_b) not in deja_vues]
    resultat.sort(key=lambda p: (-p.score, p.cle_a, p.cle_b))
    return resultat


def regrouper(paires: Iterable[PaireProbable]) -> list[list[str]]:
    """Groups of identities linked by probable-duplicate pairs (A~B and B~C → one group of three to review
    together); each group sorted, groups sorted by their first key."""
    parent: dict[str, str] = {}

    def racine(cle: str) -> str:
        parent.setdefault(cle, cle)
        while parent[cle] != cle:
            parent[cle] = parent[parent[cle]]
            cle = parent[cle]
        return cle

    for p in paires:
        a, b = racine(p.cle_a), racine(p.cle_b)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groupes: dict[str, list[str]] = {}
    for cle in parent:
        groupes.setdefault(racine(cle), []).append(cle)
    return sorted((sorted(g) for g in groupes.values()), key=lambda g: g[0])
