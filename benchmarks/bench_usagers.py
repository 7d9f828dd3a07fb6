"""End-to-end INS backlog batch against the local INSi stand-in (real HTTPS + SOAP, XSD validated), with the
database writes of each line (state before/after the call, INSi answer, history, audit, anomalies), and the
dashboard statistics over the resulting identities.

    .venv/bin/python benchmarks/bench_usagers.py [--quick] [--n 500]

Uses its own throw-away SQLite database (or DATABASE_URL if set)."""

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socle.settings")
_tmp = tempfile.mkdtemp(prefix="bench-usagers-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp}/bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from socle.connecteurs.commun.pki import en_p12  # noqa: E402
from socle.connecteurs.insi.standin import base, bouchon_local, pki_locale  # noqa: E402
from socle.core.identifiants import avec_cle_luhn, nir_key  # noqa: E402
from socle.organisations.models import Etablissement, OrganismeGestionnaire  # noqa: E402
from socle.prerequis.models import EtatEtape  # noqa: E402
from socle.prerequis.services import certificat_pour, enregistrer_certificat  # noqa: E402
from socle.usagers import batch, services  # noqa: E402
from socle.usagers.models import Sejour, Usager  # noqa: E402


def finess(body: str) -> str:
    return avec_cle_luhn(body)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--rate", type=float, default=1000.0)
    args = ap.parse_args()
    n = 40 if args.quick else args.n
    call_command("migrate", verbosity=0)
    og, _ = OrganismeGestionnaire.objects.get_or_create(finess=finess("69880000"), defaults={"raison_sociale": "BENCH"})
    et, _ = Etablissement.objects.get_or_create(finess=finess("69880001"), defaults={"organisme": og, "nom": "SAAD BENCH",
                                                                                       "categorie_code": "460"})
    Usager.objects.filter(organisme=og).delete()
    # As in production, a batch presents the OG's INSI-AUTO certificate deposited in the prerequisites cockpit
    # (here issued by the local stand-in's CA).
    # ... once the OG has pronounced its auto-homologation (no INSi call by certificate before it)
    EtatEtape.objects.update_or_create(organisme=og, etablissement=None, etape="homologation",
                                       defaults={"statut": "fait", "date_envoi": date(2026, 1, 5),
                                                 "date_fait": date(2026, 2, 5)})
    if certificat_pour(og, "INSI-AUTO") is None:
        cert, cle = pki_locale().emettre_certificat("INSI-AUTO", og.raison_sociale)
        enregistrer_certificat(og, en_p12(cert, cle, "bench"), "insi-auto-bench.p12", "bench")
    stamp = int(time.time()) % 100000
    usagers, fiches = [], []
    for i in range(n):
        sexe = "FM"[i % 2]
        d = date(1930, 1, 1) + timedelta(days=37 * i)
        nom = f"BENCH{stamp}X{i:05d}".replace("0", "O").replace("1", "I").replace("2", "Z").replace("3", "E") \
            .replace("4", "A").replace("5", "S").replace("6", "G").replace("7", "T").replace("8", "B").replace("9", "P")
        usagers.append(Usager(organisme=og, nom_naissance=nom, prenoms_naissance="ALICE", premier_prenom="ALICE",
                              date_naissance=d, sexe=sexe, lieu_naissance="69123"))
        body = f"{1 if sexe == 'M' else 2}{d:%y%m}69123{i % 1000:03d}"
        if i % 10 < 7:  # ~70 % found
            fiches.append({"matricule": body, "cle": f"{nir_key(body):02d}", "nom_naissance": nom,
                           "prenoms": ["ALICE"], "sexe": sexe, "date_naissance": d.isoformat(),
                           "lieu_naissance": "69123"})
    Usager.objects.bulk_create(usagers)
    Sejour.objects.bulk_create([Sejour(usager=u, etablissement=et, date_admission=date(2020, 1, 1))
                                for u in Usager.objects.filter(organisme=og)])
    base.ajouter_tout(fiches)
    journal = bouchon_local().journal
    journal.vider()
    t0 = time.perf_counter()
    lot = batch.preparer_lot(et, debit=args.rate)
    t1 = time.perf_counter()
    batch.executer_lot(lot.pk)
    t2 = time.perf_counter()
    c = lot.compte()
    appels = len(journal.appels)
    print(f"lot INSi : {c['total']} personnes, {appels} appels SOAP, {c['ok']} INS récupérés, "
          f"{c['anomalie']} anomalies")
    print(f"  préparation du lot : {t1 - t0:.2f} s")
    print(f"  exécution : {t2 - t1:.1f} s → {c['total'] / (t2 - t1):.1f} personnes/s, {appels / (t2 - t1):.1f} appels/s")
    t3 = time.perf_counter()
    s = services.stats_identites(Etablissement.objects.filter(pk=et.pk))
    t4 = time.perf_counter()
    print(f"stats_identites ({s['total']} usagers, 12 semaines) : {1000 * (t4 - t3):.0f} ms")


if __name__ == "__main__":
    main()
