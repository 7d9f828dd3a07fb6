"""Benchmark of the staff registry: RPPS+ export of 10 000 staff across 50 ESMS (time, peak Python memory),
plus the HR import (dry run and commit) of the same staff as a CSV in Socle's template.

    .venv/bin/python benchmarks/bench_personnel.py            # 10 000 staff, 50 ESMS
    .venv/bin/python benchmarks/bench_personnel.py --quick    # 1 000 staff, 5 ESMS

Runs on a throw-away SQLite database unless DATABASE_URL is set (then use a dedicated database)."""

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def mesurer(libelle: str, fn, rejouable: bool = True):
    """Time without tracing; then, when the step can be replayed, its peak Python memory (tracemalloc)."""
    t0 = time.perf_counter()
    result = fn()
    duree = time.perf_counter() - t0
    pic = ""
    if rejouable:
        tracemalloc.start()
        fn()
        pic = f"pic mémoire Python {tracemalloc.get_traced_memory()[1] / 1e6:8.1f} Mo"
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{libelle:<44} {duree:8.2f} s   {pic:<32} (RSS max du processus {rss:6.0f} Mo)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n_staff, n_et = (1_000, 5) if args.quick else (10_000, 50)
    tmp = tempfile.mkdtemp(prefix="bench-personnel-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("SOCLE_DATA_DIR", tmp)
    os.environ["DJANGO_SETTINGS_MODULE"] = "socle.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from socle.core.identifiants import avec_cle_luhn
    from socle.organisations.models import Etablissement, OrganismeGestionnaire
    from socle.personnel import export, importer
    from socle.personnel.models import Professionnel
    from tests.personnel.factories import csv_gabarit, ligne_valide

    def finess(n: int) -> str:
        return avec_cle_luhn(f"69{n:06d}")

    og, _ = OrganismeGestionnaire.objects.get_or_create(finess=finess(900000), defaults={"raison_sociale": "BENCH"})
    ets = [Etablissement.objects.get_or_create(finess=finess(910000 + i), defaults={
        "organisme": og, "nom": f"ESMS BENCH {i}", "categorie_code": "500"})[0] for i in range(n_et)]
    lignes = [ligne_valide(i, ets[i % n_et].finess) for i in range(n_staff)]
    for i in range(0, n_staff, 17):
        lignes[i]["mobile"] = "0478000000"  # some errors, left out of the export
    contenu = csv_gabarit(lignes)
    print(f"{n_staff} professionnels, {n_et} ESMS, fichier RH de {len(contenu) / 1e6:.1f} Mo")
    analyse = mesurer("import RH : simulation (dry run)", lambda: importer.analyser(contenu, "bench.csv", og))
    assert not analyse.bloquants
    mesurer("import RH : validation (écriture atomique)", lambda: importer.importer(contenu, "bench.csv", og),
            rejouable=False)
    mesurer("import RH : ré-import (aucun changement)", lambda: importer.importer(contenu, "bench.csv", og))
    assert Professionnel.objects.count() == n_staff
    res = mesurer(f"export RPPS+ ({n_et} ESMS)", lambda: export.exporter(Etablissement.objects.filter(organisme=og)
                                                                         .select_related("organisme")))
    data = mesurer("zip (fichiers + erreurs.csv + résumé)", res.zip)
    print(f"→ {len(res.fichiers)} fichiers, {res.inclus} lignes exportées, {len(res.exclus)} laissées de côté, "
          f"zip de {len(data) / 1e6:.2f} Mo ; max {max(res.lignes_par_fichier.values())} lignes par fichier")


if __name__ == "__main__":
    main()
