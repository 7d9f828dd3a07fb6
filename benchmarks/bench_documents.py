"""Generating and validating DLU documents (CDA R2) offline: the structured DLU built from the form's data,
then XSD + structuration minimale + CI-SIS_ModelesDeContenusCDA + IHE + the DLU-EHPAD schematron.

    .venv/bin/python benchmarks/bench_documents.py            # 1 000 DLU
    .venv/bin/python benchmarks/bench_documents.py --quick    # 50 DLU

The schematrons are compiled once (its own time, printed apart: to XSLT on first use of a fresh cache, then to
a Saxon executable once per process); the figure is the time per document, generation and validation apart.
Uses its own throw-away SQLite database and data folder (cold cache: the compilation is measured)."""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socle.settings")
_tmp = tempfile.mkdtemp(prefix="bench-documents-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp}/bench.sqlite3")
os.environ.setdefault("SOCLE_DATA_DIR", _tmp)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from socle.core.identifiants import avec_cle_luhn, nir_key  # noqa: E402
from socle.documents import services  # noqa: E402
from socle.documents.cda import construire  # noqa: E402
from socle.documents.validation import precompiler, valider_cda  # noqa: E402
from socle.organisations.models import Etablissement, OrganismeGestionnaire  # noqa: E402
from socle.usagers.models import Sejour, Usager  # noqa: E402

TRAITEMENTS = [
    "Amlodipine 5 mg : 1 cp le matin",
    "Paracétamol 1 g si douleur",
    "Lévothyrox 50 µg",
    "Furosémide 40 mg",
    "Donépézil 10 mg le soir",
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n", type=int, default=1000)
    args = ap.parse_args()
    n = 50 if args.quick else args.n
    call_command("migrate", verbosity=0)
    og = OrganismeGestionnaire.objects.create(
        finess=avec_cle_luhn("69870000"), raison_sociale="BENCH DOCUMENTS"
    )
    et = Etablissement.objects.create(
        finess=avec_cle_luhn("69870001"),
        organisme=og,
        nom="EHPAD BENCH",
        categorie_code="500",
        commune="LYON",
        code_postal="69003",
    )
    docs = []
    for i in range(n):
        corps = f"2{40 + i % 50:02d}{1 + i % 12:02d}69123{i % 1000:03d}"
        u = Usager.objects.create(
            organisme=og,
            nom_naissance=f"BENCH{i:05d}",
            prenoms_naissance="ALICE MARIE",
            premier_prenom="ALICE",
            date_naissance=date(1940 + i % 50, 1 + i % 12, 1 + i % 28),
            sexe="F",
            lieu_naissance="69123",
            statut="QUAL",
            matricule_ins=corps,
            cle_ins=f"{nir_key(corps):02d}",
            oid_ins="1.2.250.1.213.1.4.10",
        )
        Sejour.objects.create(usager=u, etablissement=et, date_admission=date(2024, 1, 1))
        contenu = {
            "medecin_nom": "Dr BENCH",
            "medecin_telephone": "0472000000",
            "etablissement_prefere": "CHU",
            "antecedents": "Hypertension\nDiabète de type 2",
            "allergies": "Pénicilline",
            "traitements": "\n".join(TRAITEMENTS[: 1 + i % 5]),
            "directives_anticipees": "oui",
            "etat": ["62476001"] if i % 2 else [],
            "bmr": "non",
            "documents_annexes": ["DLU_009"],
        }
        docs.append(services.creer_dlu(u, et, par=None, contenu=contenu, date_acte=date(2026, 12, 1)))

    t0 = time.perf_counter()
    precompiler("DLU")
    compilation = time.perf_counter() - t0
    generation, validation, invalides = [], [], 0
    for doc in docs:
        t = time.perf_counter()
        xml = construire(doc)
        generation.append(time.perf_counter() - t)
        t = time.perf_counter()
        rapport = valider_cda(xml, "DLU")
        validation.append(time.perf_counter() - t)
        invalides += not rapport.valide
    total = sum(generation) + sum(validation)
    print(
        f"DLU générés et validés : {n} (invalides : {invalides}) ; taille moyenne "
        f"{len(construire(docs[0])) / 1024:.1f} Ko"
    )
    print(f"compilation des schématrons (une fois, cache froid) : {compilation:.1f} s")
    print(
        f"par document : génération {statistics.mean(generation) * 1000:.1f} ms, validation "
        f"{statistics.mean(validation) * 1000:.1f} ms (médiane {statistics.median(validation) * 1000:.1f} ms), "
        f"total {total / n * 1000:.1f} ms ; {n} documents en {total:.1f} s"
    )
    if invalides:
        sys.exit(1)


if __name__ == "__main__":
    main()
