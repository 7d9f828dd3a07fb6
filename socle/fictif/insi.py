"""Fictitious national identities for the local INSi stand-in: any number of people with valid NIR keys (the
INSi benchmark's national base), and national fiches for demo people that reproduce the real failure modes.

Deterministic for a seed. Published to a stand-in with `BaseNationale.ajouter` or `standin.publier_identites`."""

from __future__ import annotations

import datetime as dt
import random

from socle.connecteurs.insi.standin import FicheNationale
from socle.connecteurs.insi.traits import normaliser_prenoms
from socle.core.naissance import DateLunaire

_SYLLABES = ["BA", "LO", "MI", "RU", "TE", "VAN", "DOR", "LI", "ZE", "PO", "NA", "QUI", "SOL", "FA", "GRE", "MOU"]
_PRENOMS_F = ["ALICE", "BERTHE", "CLARA", "DENISE", "ELISE", "FLORE", "GINETTE", "HELENE", "IRENE", "JULIE"]
_PRENOMS_M = ["ALBAN", "BASILE", "CYRIL", "DIDIER", "EMILE", "FIRMIN", "GASTON", "HUGO", "ISIDORE", "JULES"]
_COMMUNES = ["75056", "69123", "13055", "33063", "59350", "63113", "67482", "31555", "44109", "35238"]


def generer_identites(n: int, graine: int = 2026, prefixe: str = "FICTIF") -> list[FicheNationale]:
    """`n` fictitious persons with valid NIR keys, deterministic for a seed (benchmarks, demo fillers)."""
    rng = random.Random(graine)
    fiches = []
    for i in range(n):
        sexe = rng.choice("FM")
        naissance = dt.date(1925, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 95))
        lieu = rng.choice(_COMMUNES)
        nom = prefixe + "".join(rng.choice(_SYLLABES) for _ in range(2))
        prenoms = tuple(rng.sample(_PRENOMS_F if sexe == "F" else _PRENOMS_M, rng.choice((1, 2, 3))))
        matricule = f"{1 if sexe == 'M' else 2}{naissance:%y%m}{lieu}{i % 1000:03d}"
        fiches.append(FicheNationale(matricule, nom, prenoms, sexe, naissance.isoformat(), lieu))
    return fiches


# Real mergers into communes nouvelles (INSEE COG): old code -> code of the commune nouvelle.
COMMUNES_NOUVELLES = {
    "74011": "74010",  # Annecy-le-Vieux -> Annecy (2017)
    "74093": "74010",  # Cran-Gevrier -> Annecy
    "74182": "74010",  # Meythet -> Annecy
    "74217": "74010",  # Pringy -> Annecy
    "74268": "74010",  # Seynod -> Annecy
}
SCENARIOS_DEMO = ("introuvable", "prenoms_differents", "homonymes")


def fiches_pour_demo(
    personnes, taux_qualifies: float = 0.7, graine: int = 2026
) -> tuple[list[FicheNationale], list[str]]:
    """National fiches for demo people so that about `taux_qualifies` of them qualify at once and the
    others hit a real failure mode. `personnes`: dicts with nom_naissance, prenoms (list or str), sexe,
    date_naissance (date or AAAA-MM-JJ), lieu_naissance. Returns (fiches to publish, scenario per person:
    "qualifie", "commune_nouvelle", "introuvable", "prenoms_differents" or "homonymes"). Deterministic.
    A birth commune merged into a commune nouvelle (COMMUNES_NOUVELLES) answers with the new code."""
    rng = random.Random(graine)
    fiches, scenarios = [], []
    for i, p in enumerate(personnes):
        date = p["date_naissance"]
        date = DateLunaire.lire(date)  # a lunar date (1962-00-00) is published as given [R-DN-02]
        prenoms = normaliser_prenoms(p.get("prenoms") or p.get("prenoms_naissance") or "")
        lieu = (p.get("lieu_naissance") or "").upper()
        commune = lieu if len(lieu) == 5 and not lieu.startswith("99") else "99100"
        base_matricule = f"{1 if p['sexe'] == 'M' else 2}{date:%y%m}{commune}"
        matricule = f"{base_matricule}{(i * 7 + 101) % 1000:03d}"
        scenario = "qualifie" if rng.random() < taux_qualifies else rng.choice(SCENARIOS_DEMO)
        commun = {"nom_naissance": p["nom_naissance"], "sexe": p["sexe"], "date_naissance": date.isoformat()}
        if scenario == "introuvable":
            scenarios.append(scenario)
            continue
        if scenario == "prenoms_differents" and prenoms:
            # the national list joins the first names with a hyphen: no single first name matches
            national = ("-".join(prenoms[:2]) if len(prenoms) > 1 else prenoms[0] + "-MARIE",) + prenoms[2:]
        else:
            national = prenoms
        nouveau = COMMUNES_NOUVELLES.get(lieu)
        fiches.append(
            FicheNationale(
                matricule, prenoms=national, lieu_naissance=nouveau or lieu,
                anciens_lieux=(lieu,) if nouveau else (), **commun,
            )
        )
        if scenario == "homonymes":
            fiches.append(
                FicheNationale(f"{base_matricule}{(i * 7 + 102) % 1000:03d}", prenoms=national,
                               lieu_naissance=nouveau or lieu, anciens_lieux=(lieu,) if nouveau else (), **commun)
            )
        scenarios.append("commune_nouvelle" if scenario == "qualifie" and nouveau else scenario)
    return fiches, scenarios
