"""Benchmark of the FINESS import: a synthetic national-size JSON flux "structures" and the real sample.

    .venv/bin/python benchmarks/bench_finess.py            # 20 000 EJ x 5 ET (= 120 000 rows)
    .venv/bin/python benchmarks/bench_finess.py --quick    # 1 000 EJ x 5 ET
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/socle_bench .venv/bin/python benchmarks/bench_finess.py

The synthetic file copies the structure of the real extract (one EJ with its ET, all fields), with valid
FINESS numbers (Luhn key) spread over the departments and categories. Figures printed: rows (EJ + ET) per
second for the first import (creation), a re-import of the same file (nothing changes) and of a modified
file (every ET renamed: update path), JSON parsing alone, the anomalies pass, and the peak memory
(ru_maxrss of the process, i.e. the high-water mark so far; with --tracemalloc also the peak of Python
allocations during each step, at the cost of much slower runs).
"""

import argparse
import copy
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "finess-structures-extrait.json"  # the real extract the tests use
DEPARTEMENTS = [f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B"]
CATEGORIES = ["500", "182", "183", "246", "354", "255", "448", "445", "446", "460", "190", "189", "186"]


def maxrss_mo() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generer(chemin: Path, nb_ej: int, nb_et: int, suffixe: str = "") -> int:
    """Write a synthetic flux; returns the number of EJ + ET. Streams to disk (never builds the whole doc)."""
    from socle.core.identifiants import luhn_key

    def numero(dep: str, serie: str, n: int) -> str:
        corps = f"{dep}{serie}{n:05d}"
        return corps + str(luhn_key(("20" + corps[2:]) if dep in ("2A", "2B") else corps))

    modele = json.loads(SAMPLE.read_text(encoding="utf-8"))
    gabarit_ej = modele["pmej"][1]
    gabarit_et = gabarit_ej["ege"][0]
    compteur = {d: 0 for d in DEPARTEMENTS}
    compteur_et = {d: 0 for d in DEPARTEMENTS}
    lignes = 0
    with chemin.open("w", encoding="utf-8") as f:
        f.write('{"schemaVersion": "v1.0.0", "generatedAt": "2026-03-09T03:00:00", "gcc": [], "gco": [], "pmej": [')
        for i in range(nb_ej):
            dep = DEPARTEMENTS[i % len(DEPARTEMENTS)]
            pm = copy.deepcopy(gabarit_ej)
            info = pm["informationsGeneralesPMEJ"]
            info["numFinessPm"] = numero(dep, "9", compteur[dep])
            info["pmSmsseId"] = str(100000 + i)
            info["denominationPm"] = f"ASSOCIATION FICTIVE {i}"
            pm["etatObjet"] = "I" if i % 97 == 0 else "A"
            compteur[dep] += 1
            pm["ege"] = []
            for j in range(nb_et):
                eg = copy.deepcopy(gabarit_et)
                g = eg["informationsGeneralesEGE"]
                g["numFinessEge"] = numero(dep, "8", compteur_et[dep])
                compteur_et[dep] += 1
                g["nomEgeCourt"] = f"ESMS FICTIF {i}-{j}{suffixe}"
                eg["categorieentiteGeographiqueExercice"] = CATEGORIES[(i + j) % len(CATEGORIES)]
                eg["adresse"][0]["cogCommune"] = (dep + "001") if dep not in ("2A", "2B") else dep + "004"
                eg["etatObjet"] = "I" if (i + j) % 53 == 0 else "A"
                pm["ege"].append(eg)
            f.write(("," if i else "") + json.dumps(pm, ensure_ascii=False))
            lignes += 1 + nb_et
        f.write("]}")
    return lignes


TRACEMALLOC = False


def _pg(url: str):
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def creer_base_pg(url: str) -> bool:
    """Create the bench's own PostgreSQL database when missing (True if created here)."""
    if not url.startswith(("postgres://", "postgresql://")):
        return False
    import psycopg

    admin, nom = _pg(url)
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as cn:
        if cn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [nom]).fetchone():
            return False
        cn.execute(f'CREATE DATABASE "{nom}"')
    return True


def supprimer_base_pg(url: str) -> None:
    import psycopg

    admin, nom = _pg(url)
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as cn:
        cn.execute(f'DROP DATABASE IF EXISTS "{nom}"')


def chrono(titre: str, lignes: int, fn):
    if TRACEMALLOC:
        tracemalloc.start()
    t0 = time.perf_counter()
    res = fn()
    duree = time.perf_counter() - t0
    pic = ""
    if TRACEMALLOC:
        pic = f"   pic Python {tracemalloc.get_traced_memory()[1] / 2**20:6.1f} Mo"
        tracemalloc.stop()
    print(f"{titre:<46} {lignes:>8} lignes {duree:8.2f} s {lignes / duree:10.0f} lignes/s   "
          f"maxrss {maxrss_mo():6.0f} Mo{pic}", flush=True)
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="petit jeu : 1 000 EJ")
    parser.add_argument("--ej", type=int, default=None, help="nombre d'EJ (défaut 20 000, 1 000 avec --quick)")
    parser.add_argument("--et-par-ej", type=int, default=5)
    parser.add_argument("--tracemalloc", action="store_true",
                        help="mesurer aussi le pic d'allocations Python (ralentit nettement les mesures)")
    args = parser.parse_args()
    global TRACEMALLOC
    TRACEMALLOC = args.tracemalloc
    nb_ej = args.ej or (1000 if args.quick else 20000)

    tmp = Path(tempfile.mkdtemp(prefix="bench-finess-"))
    os.environ["SOCLE_DATA_DIR"] = str(tmp)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "socle.settings"
    sys.path.insert(0, str(ROOT))
    cree_pg = creer_base_pg(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from socle.organisations import finess_import
    from socle.organisations.models import Etablissement, Grappe, OrganismeGestionnaire

    call_command("migrate", verbosity=0)
    if connection.vendor != "sqlite":  # a PostgreSQL bench DB may be reused: start clean
        Grappe.objects.all().delete()
        Etablissement.objects.all().delete()
        OrganismeGestionnaire.objects.all().delete()
    print(f"Base : {connection.vendor} ({connection.settings_dict['NAME']})")

    fichier = tmp / "finess-synthetique.json"
    t0 = time.perf_counter()
    lignes = generer(fichier, nb_ej, args.et_par_ej)
    print(f"Fichier synthétique : {nb_ej} EJ x {args.et_par_ej} ET = {lignes} lignes, "
          f"{fichier.stat().st_size / 2**20:.0f} Mo, généré en {time.perf_counter() - t0:.1f} s")

    def lire_seulement():
        with finess_import.ouvrir(fichier) as f:
            return sum(1 + len(i.valeur.get("ege", [])) for i in finess_import.iterer_json(f))

    chrono("Lecture JSON seule (ijson)", lignes, lire_seulement)
    opts = {"anomalies": False, "progression": False}
    res = chrono("Import initial (création)", lignes, lambda: finess_import.importer(fichier, **opts))
    assert res.applique and res.ej.crees == nb_ej and res.et.crees == nb_ej * args.et_par_ej, res.lignes()
    res = chrono("Ré-import identique (rien ne change)", lignes, lambda: finess_import.importer(fichier, **opts))
    assert res.ej.inchanges == nb_ej and res.et.inchanges == nb_ej * args.et_par_ej
    modifie = tmp / "finess-synthetique-maj.json"
    generer(modifie, nb_ej, args.et_par_ej, suffixe=" MAJ")
    res = chrono("Ré-import modifié (tous les ET renommés)", lignes, lambda: finess_import.importer(modifie, **opts))
    assert res.et.modifies == nb_ej * args.et_par_ej
    chrono("Anomalies FINESS de tous les OG", lignes, lambda: finess_import._anomalies(
        set(OrganismeGestionnaire.objects.values_list("finess", flat=True)), finess_import.Resultat()))

    n = 18
    premier = chrono("Extrait réel : import (anomalies comprises)", n,
                     lambda: finess_import.importer(SAMPLE, progression=False))
    res = chrono("Extrait réel : ré-import", n, lambda: finess_import.importer(SAMPLE, progression=False))
    print(f"Extrait réel : {premier.ej.crees} EJ et {premier.et.crees} ET créés, puis {res.ej.inchanges} EJ et "
          f"{res.et.inchanges} ET inchangés ; {len(premier.anomalies)} anomalies FINESS.")
    print(f"Mémoire : maxrss final du processus {maxrss_mo():.0f} Mo.")
    connection.close()
    shutil.rmtree(tmp, ignore_errors=True)
    if cree_pg:
        supprimer_base_pg(os.environ["DATABASE_URL"])


if __name__ == "__main__":
    main()
