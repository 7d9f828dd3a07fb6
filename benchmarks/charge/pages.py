"""One person at a time, in process: time and SQL queries of each kind of page of the load test, on the load
test's database (after preparer.py). Where to look first when a kind misses its goal; --profil NAME prints a
pyinstrument profile of that kind (pip install pyinstrument).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/socle_charge .venv/bin/python benchmarks/charge/pages.py [-n 5]"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(RACINE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socle.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/socle_charge")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from socle.comptes.models import Utilisateur  # noqa: E402


def pages(c: dict) -> list[tuple[str, str, str]]:
    """(kind, account, url) for one target of each persona."""
    adm, dirc, rh, cdp, reg = (c[p][0] for p in ("admission", "directrice", "rh", "chef_projet",
                                                   "chef_projet_region"))
    u = adm["usagers"][0]
    a, m, j = u["date_naissance"].split("-")
    return [
        ("usagers : recherche par nom", adm["compte"], f"/usagers/?q={u['nom_naissance'][:4]}"),
        ("usagers : recherche par date de naissance", adm["compte"], f"/usagers/?q={j}/{m}/{a}"),
        ("usagers : dossier", adm["compte"], f"/usagers/{u['pk']}/"),
        ("usagers : qualification (page)", adm["compte"], f"/usagers/{u['pk']}/qualifier/"),
        ("personnel : tableau RPPS+ de l'organisme", rh["compte"], "/personnel/"),
        ("personnel : liste d'un ESMS", rh["compte"], f"/personnel/esms/{rh['esms'][0]}/"),
        ("pilotage : tableau d'un ESMS", dirc["compte"], f"/pilotage/esms/{dirc['esms'][0]}/"),
        ("pilotage : tableau de l'organisme (10 ESMS)", dirc["compte"], "/pilotage/"),
        ("pilotage : tableau de grappe (30 ESMS)", cdp["compte"], f"/pilotage/grappe/{cdp['grappe']}/"),
        ("pilotage : tableau de grappe régionale (300 ESMS)", reg["compte"], f"/pilotage/grappe/{reg['grappe']}/"),
    ]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=5, help="passages par page (médiane)")
    ap.add_argument("--cibles", default=str(RACINE / "var" / "charge" / "cibles.json"))
    ap.add_argument("--profil", default="", help="début du nom d'un type de page à profiler (pyinstrument)")
    ap.add_argument("--seulement", default="", help="début du nom des types de pages à mesurer")
    args = ap.parse_args()
    cibles = json.loads(Path(args.cibles).read_text())
    print(f"{'page':52} {'médiane':>9} {'max':>7} {'CPU Python':>11} {'requêtes SQL':>13}")
    for nom, compte, url in pages(cibles):
        if args.seulement and not nom.startswith(args.seulement):
            continue
        client = Client()
        client.force_login(Utilisateur.objects.get(username=compte))
        durees, cpu, nb = [], [], 0
        for _ in range(args.n):
            with CaptureQueriesContext(connection) as q:
                t0, c0 = time.perf_counter(), time.process_time()
                r = client.get(url)
                durees.append(1000 * (time.perf_counter() - t0))
                cpu.append(1000 * (time.process_time() - c0))
            assert r.status_code == 200, (nom, url, r.status_code)
            nb = len(q.captured_queries)
        print(f"{nom:52} {statistics.median(durees):7.0f} ms {max(durees):5.0f} ms {statistics.median(cpu):8.0f} ms "
              f"{nb:13d}", flush=True)
        if args.profil and nom.startswith(args.profil):
            from pyinstrument import Profiler

            with Profiler() as p:
                client.get(url)
            print(p.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
