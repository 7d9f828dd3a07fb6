"""Benchmark of the steering dashboards on PostgreSQL (issue 11): the grappe dashboard must answer in under
300 ms for a grappe of 30 ESMS and under 1 s for a regional grappe of 300 ESMS, rendering included, whatever
the number of ESMS in queries (indicators computed per grappe in a few grouped queries).

Run (PostgreSQL on 127.0.0.1, a database of its own, created if missing, never the demo's or the tests'):
    .venv/bin/python benchmarks/bench_pilotage.py [--quick] [-n 7]
    BENCH_PILOTAGE_BDD=postgres://postgres@127.0.0.1:5432/autre_base .venv/bin/python benchmarks/bench_pilotage.py

Data: the load test's fictitious region (socle/fictif/charge.py: 30 OG, 300 ESMS, 100 000 usagers, 30 000
professionals, ten grappes of 30 ESMS and one regional grappe), loaded once and kept for the next runs (drop the
database to start again). --quick: the small region (12 ESMS) in a database of its own (`_reduite`), no target
checked. Exit code 1 when a target is missed."""

import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
# one database per size (a region loaded at one size refuses the other)
BDD = os.environ.get("BENCH_PILOTAGE_BDD", "postgres://postgres@127.0.0.1:5432/socle_bench_pilotage"
                     + ("_reduite" if "--quick" in sys.argv else ""))
os.environ["DATABASE_URL"] = BDD
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socle.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

CIBLES_MS = {"grappe de 30 ESMS": 300, "grappe régionale de 300 ESMS": 1000}


def creer_base() -> None:
    """Create the benchmark's own database when missing (refuses the shared ones)."""
    import psycopg

    nom = BDD.rsplit("/", 1)[-1]
    if nom in ("socle", "postgres", "socle_charge") or nom.startswith("test_socle"):
        raise SystemExit(f"Base « {nom} » refusée : le banc d'essai veut une base à lui.")
    admin = BDD.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [nom]).fetchone():
            c.execute(f'CREATE DATABASE "{nom}"')


def mesurer(client: Client, url: str, n: int) -> tuple[float, float, float, float, int]:
    """Median and worst wall time, median CPU time of the process (every thread) and SQL time (ms), number of
    queries. On PostgreSQL the identity figures are computed beside the rest, in a thread with a connection of its
    own (socle.core.bdd.cote_a_cote): the SQL time is the sum over both connections, and the queries are counted
    on a sequential run (inside a transaction, where they run one after the other). On a shared, busy machine the
    wall time is pessimistic; CPU and SQL times tell where it goes."""
    from django.db import transaction

    client.get(url)  # warm-up: caches of the referentials, first connection, compiled templates
    with transaction.atomic(), CaptureQueriesContext(connection) as q:
        assert client.get(url).status_code == 200
    nb = len(q.captured_queries)
    durees, cpu, sql = [], [], []
    for _ in range(n):
        with compter_sql() as total:
            t0, c0 = time.perf_counter(), time.process_time()
            r = client.get(url)
            durees.append(1000 * (time.perf_counter() - t0))
            cpu.append(1000 * (time.process_time() - c0))
        assert r.status_code == 200, (url, r.status_code)
        sql.append(total[0])
    return statistics.median(durees), max(durees), statistics.median(cpu), statistics.median(sql), nb


@contextlib.contextmanager
def compter_sql():
    """Milliseconds spent in SQL by every connection opened during the block, whatever its thread."""
    from django.db.backends.utils import CursorWrapper

    total = [0.0]
    origine = CursorWrapper._execute

    def execute(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return origine(self, *args, **kwargs)
        finally:
            total[0] += 1000 * (time.perf_counter() - t0)

    CursorWrapper._execute = execute
    try:
        yield total
    finally:
        CursorWrapper._execute = origine


def main() -> int:
    quick = "--quick" in sys.argv
    n = int(sys.argv[sys.argv.index("-n") + 1]) if "-n" in sys.argv else 7
    if connection.vendor != "postgresql":
        raise SystemExit("Ce banc d'essai mesure PostgreSQL (BENCH_PILOTAGE_BDD).")
    creer_base()
    from django.core.management import call_command

    from socle.comptes.models import Utilisateur
    from socle.fictif import charge

    call_command("migrate", verbosity=0)
    taille = charge.REDUITE if quick else charge.PLEINE
    t0 = time.perf_counter()
    bilan = charge.charger(taille, journal=lambda m: print(f"  {m}", flush=True))
    print(f"Données : {bilan.comptes.get('esms')} ESMS, {bilan.comptes.get('usagers')} usagers, "
          f"{bilan.comptes.get('professionnels')} professionnels "
          f"({'déjà chargées' if bilan.deja_charge else f'chargées en {time.perf_counter() - t0:.0f} s'})")
    with connection.cursor() as c:  # fresh statistics, as autovacuum gives a live database after a bulk load
        c.execute("ANALYZE")
    ids = charge.identifiants(taille)
    pages = [("grappe de 30 ESMS" if not quick else "grappe (petite région)", ids["chef_projet"][0]),
             ("grappe régionale de 300 ESMS" if not quick else "grappe régionale (petite région)",
              ids["chef_projet_region"][0])]
    echecs = 0
    print(f"charge de la machine : {os.getloadavg()[0]:.1f} ({os.cpu_count()} cœurs)")
    print(f"{'tableau de bord':44} {'médiane':>9} {'max':>8} {"CPU (fils)":>11} {'SQL':>8} {'requêtes':>9} objectif")
    for nom, compte in pages:
        user = Utilisateur.objects.get(username=compte)
        grappe = user.habilitations.get().grappe
        client = Client()
        client.force_login(user)
        for suffixe, params in (("", ""), (" — export XLSX", "?format=xlsx")):
            url = f"/pilotage/grappe/{grappe.pk}/{params}"
            mediane, pire, cpu, sql, nb = mesurer(client, url, n)
            cible = CIBLES_MS.get(nom) if not suffixe else None
            verdict = "" if cible is None else (f"< {cible} ms ok" if mediane < cible else f"< {cible} ms RATÉ")
            echecs += bool(cible and mediane >= cible)
            print(f"{nom + suffixe:44} {mediane:6.0f} ms {pire:5.0f} ms {cpu:8.0f} ms {sql:5.0f} ms {nb:9d} {verdict}",
                  flush=True)
    return 1 if echecs else 0


if __name__ == "__main__":
    sys.exit(main())
