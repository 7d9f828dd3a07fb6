"""Prepares the load test's database: migrations, then the fictitious region of socle/fictif/charge.py (30 OG,
300 ESMS, 100 000 usagers, 30 000 professionals, persona accounts), unless it is already loaded; then writes
the targets the locustfile uses (accounts, and per account the usagers, ESMS and grappes it may open).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/socle_charge .venv/bin/python benchmarks/charge/preparer.py [--quick]

--quick loads a small region (3 OG, 12 ESMS, 1 200 usagers, 360 professionals) for a check in a few seconds.
Use a database of its own (never the demo's or the tests'): an existing load of another size is refused."""

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(RACINE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socle.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/socle_charge")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from socle.comptes.models import Habilitation  # noqa: E402
from socle.fictif import charge  # noqa: E402
from socle.organisations.models import Etablissement, Grappe  # noqa: E402
from socle.usagers.models import Usager  # noqa: E402

ECHANTILLON = 40  # usagers per admission account the locustfile picks from


def cibles(taille: charge.Taille, graine: int) -> dict:
    """Per persona: the accounts, and for each what it opens (deterministic for a seed)."""
    rng = random.Random(graine)
    ids = charge.identifiants(taille)
    habs = {h.utilisateur.username: h for h in Habilitation.objects.filter(
        utilisateur__username__in=sum(ids.values(), [])).select_related(
        "utilisateur", "etablissement", "organisme", "grappe")}
    par_og: dict[int, list[str]] = {}
    for et in Etablissement.objects.filter(organisme__raison_sociale__startswith="CHARGE ").order_by("finess"):
        par_og.setdefault(et.organisme_id, []).append(et.finess)
    champs = ["pk", "nom_naissance", "prenoms_naissance", "premier_prenom", "date_naissance", "sexe",
              "lieu_naissance", "nom_utilise", "prenom_utilise", "statut"]
    out: dict = {"mot_de_passe": charge.MOT_DE_PASSE, "admission": [], "directrice": [], "rh": [],
                 "chef_projet": [], "chef_projet_region": []}
    for nom in ids["admission"]:
        et = habs[nom].etablissement
        suivis = list(Usager.objects.filter(sejours__etablissement=et, sejours__date_sortie__isnull=True,
                                            fusionne_dans__isnull=True).order_by("pk").values(*champs))
        echantillon = rng.sample(suivis, min(ECHANTILLON, len(suivis)))
        for u in echantillon:
            u["date_naissance"] = u["date_naissance"].isoformat()
        out["admission"].append({"compte": nom, "finess": et.finess, "usagers": echantillon})
    for persona in ("directrice", "rh"):
        for nom in ids[persona]:
            og = habs[nom].organisme
            out[persona].append({"compte": nom, "og": og.finess, "esms": par_og[og.pk]})
    for persona in ("chef_projet", "chef_projet_region"):
        for nom in ids[persona]:
            g: Grappe = habs[nom].grappe
            esms = [f for og in g.membres.order_by("pk") for f in par_og[og.pk]]
            out[persona].append({"compte": nom, "grappe": g.pk, "esms": esms})
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="petite région (quelques secondes)")
    ap.add_argument("--graine", type=int, default=2026)
    ap.add_argument("--cibles", default=str(RACINE / "var" / "charge" / "cibles.json"))
    args = ap.parse_args()
    taille = charge.REDUITE if args.quick else charge.PLEINE
    base = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql" and base in ("socle", "test_socle"):
        print(f"Base « {base} » refusée : donnez au test de charge une base à lui (DATABASE_URL).", file=sys.stderr)
        return 2
    print(f"Base : {connection.vendor} « {base} »")
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrations : {time.perf_counter() - t0:.1f} s")
    bilan = charge.charger(taille, args.graine, journal=print)
    if bilan.deja_charge:
        print("jeu de charge déjà chargé : rien n'est écrit")
    else:
        detail = ", ".join(f"{k} {v:.1f} s" for k, v in bilan.durees.items())
        print(f"chargement : {bilan.duree:.1f} s ({detail})")
    print("volumes : " + ", ".join(f"{k} {v:,}".replace(",", " ") for k, v in bilan.comptes.items()))
    if connection.vendor == "postgresql":
        t1 = time.perf_counter()
        with connection.cursor() as c:
            c.execute("ANALYZE")
        print(f"ANALYZE : {time.perf_counter() - t1:.1f} s")
    chemin = Path(args.cibles)
    chemin.parent.mkdir(parents=True, exist_ok=True)
    chemin.write_text(json.dumps(cibles(taille, args.graine), ensure_ascii=False))
    print(f"cibles du test de charge : {chemin}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
