"""Import of 12 000 usagers from a DUI in each form (CSV, FHIR Bundle, HL7 v2 ADT), duplicate detection included,
into a fresh ESMS each time; then the export of the same ESMS in the three forms. Peak memory is measured in a
child process per format at two sizes (n/4 and n) to show how it grows.

    .venv/bin/python benchmarks/bench_echanges.py [--quick] [--n 12000]

Target (issue 12): each import under 30 s on SQLite. Uses its own throw-away SQLite database."""

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socle.settings")


def fichiers(n: int, dossier: Path) -> dict[str, Path]:
    """The same n fictitious identities (socle.fictif, a few planted duplicates) as a CSV, a Bundle and ADT
    messages, written the way a DUI would."""
    from datetime import date, datetime

    from socle.fictif.doublons import generer
    from socle.usagers.echanges import fhir, hl7v2

    jeu = generer(n, graine=12, part_doublons=0.01, part_non_doublons=0.0)
    fiches = []
    for k, i in enumerate(jeu.identites):
        if not isinstance(i.date_naissance, date):  # incomplete dates (R-DN-02) are not stored yet
            continue
        prenoms = " ".join(i.prenoms)
        fiches.append(
            SimpleNamespace(
                pk=k + 1,
                nom_naissance=i.nom_naissance,
                prenoms_naissance=prenoms,
                premier_prenom=prenoms.split(" ")[0],
                date_naissance=i.date_naissance,
                sexe=i.sexe,
                lieu_naissance=i.lieu_naissance or "99999",
                nom_utilise=i.nom_utilise,
                prenom_utilise="",
                statut="PROV",
                matricule_ins="",
                cle_ins="",
                oid_ins="",
                ins="",
                douteuse=False,
                fictive=False,
                homonyme=False,
                date_appel_insi=None,
                modifie_le=datetime(2026, 1, 1),
            )
        )
    out = {"csv": dossier / "dui.csv", "fhir": dossier / "dui.json", "hl7": dossier / "dui.hl7"}
    with open(out["csv"], "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(
            [
                "N° dossier",
                "Nom de naissance",
                "Prénoms",
                "Date de naissance",
                "Sexe",
                "Lieu de naissance",
                "Nom d'usage",
            ]
        )
        for u in fiches:
            w.writerow(
                [
                    f"IPP{u.pk:06d}",
                    u.nom_naissance,
                    u.prenoms_naissance,
                    u.date_naissance.strftime("%d/%m/%Y"),
                    u.sexe,
                    u.lieu_naissance,
                    u.nom_utilise,
                ]
            )
    with open(out["fhir"], "w", encoding="utf-8") as f:
        fhir.ecrire_bundle(f, (fhir.patient(u, f"IPP{u.pk:06d}", "urn:oid:1.2.250.1.999.1") for u in fiches))
    maintenant = datetime(2026, 1, 1)
    with open(out["hl7"], "w", encoding="utf-8") as f:
        for u in fiches:
            msg = hl7v2.message_a31(
                u,
                f"IPP{u.pk:06d}",
                "DUI",
                "1.2.250.1.999.1",
                numero=f"M{u.pk}",
                emetteur="DUI",
                horodatage=maintenant,
            )
            f.write(msg.replace("ADT^A31^ADT_A05", "ADT^A28^ADT_A05") + "\r\n")
    return out


def un_format(format_: str, chemin: Path, base: str) -> None:
    """Child process: migrate a fresh database, import the file, print one JSON line."""
    os.environ["DATABASE_URL"] = f"sqlite:///{base}"
    import django

    django.setup()
    from django.core.management import call_command

    from socle.core.identifiants import avec_cle_luhn
    from socle.organisations.models import Etablissement, OrganismeGestionnaire
    from socle.usagers.echanges import exporter, importer
    from socle.usagers.models import Usager

    call_command("migrate", verbosity=0)
    og = OrganismeGestionnaire.objects.create(finess=avec_cle_luhn("69880000"), raison_sociale="BENCH")
    et = Etablissement.objects.create(
        finess=avec_cle_luhn("69880001"), organisme=og, nom="SAAD BENCH", categorie_code="460"
    )
    t0 = time.perf_counter()
    a = importer.importer(chemin, et, format_)
    duree = time.perf_counter() - t0
    t0 = time.perf_counter()
    a2 = importer.importer(chemin, et, format_)  # idempotent: nothing changes
    duree2 = time.perf_counter() - t0
    t0 = time.perf_counter()
    with open(os.devnull, "w") as nul:
        exporter.exporter(et, format_, nul)
    duree_export = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "format": format_,
                "lignes": a.lignes,
                "crees": a.resultat["crees"],
                "ecartees": a.resultat["ecartees"],
                "secondes": round(duree, 2),
                "reimport_crees": a2.resultat["crees"],
                "reimport_secondes": round(duree2, 2),
                "export_secondes": round(duree_export, 2),
                "usagers": Usager.objects.count(),
                "max_rss_mo": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n", type=int, default=12000)
    ap.add_argument("--enfant", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.enfant:
        un_format(args.enfant[0], Path(args.enfant[1]), args.enfant[2])
        return 0
    import django

    django.setup()
    n = 400 if args.quick else args.n
    echec = 0
    with tempfile.TemporaryDirectory(prefix="bench-echanges-") as tmp:
        for taille in [n] if args.quick else [n // 4, n]:
            dossier = Path(tmp) / str(taille)
            dossier.mkdir()
            chemins = fichiers(taille, dossier)
            for format_, chemin in chemins.items():
                base = dossier / f"{format_}.sqlite3"
                r = subprocess.run(
                    [sys.executable, __file__, "--enfant", format_, str(chemin), str(base)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if r.returncode:
                    print(r.stderr[-3000:], file=sys.stderr)
                    echec = 1
                    continue
                res = json.loads(r.stdout.strip().splitlines()[-1])
                res["fichier_mo"] = round(chemin.stat().st_size / 1e6, 1)
                print(json.dumps(res, ensure_ascii=False), flush=True)
                if taille >= 12000 and res["secondes"] >= 30:
                    print(f"OBJECTIF MANQUÉ : {format_} {res['secondes']} s ≥ 30 s", flush=True)
                    echec = 1
                if res["reimport_crees"]:
                    print("ERREUR : le second import a créé des usagers (non idempotent)")
                    echec = 1
    return echec


if __name__ == "__main__":
    sys.exit(main())
