"""Fictitious staff for the personnel tests: rows of Socle's template, XLSX/CSV builders, model factories."""

import csv
import io
import random
from datetime import date

import factory

from socle.core.identifiants import avec_cle_luhn
from socle.personnel.importer import COLONNES_GABARIT
from socle.personnel.models import Professionnel, SituationExercice
from tests.organisations.factories import EtablissementFactory

NOMS = ["ABRICOT", "BALUCHON", "CAPUCINE", "DRAGEE", "ECLAIR", "FARANDOLE", "GUIMAUVE", "HIRONDELLE", "IRIS",
        "JONQUILLE", "KIWI", "LAVANDE", "MIRABELLE", "NOISETTE", "OLIVETTE", "PRALINE", "QUETSCHE", "RHUBARBE"]
PRENOMS = ["Camille", "Léa", "Hugo", "Nadia", "Théo", "Inès", "Jules", "Zoé", "Rémi", "Élodie", "Karim", "Maëlle"]
METIERS = ["Accompagnant éducatif et social", "Aide-soignante", "Educatrice spécialisée", "Agent administratif",
           "Moniteur éducateur", "Animatrice", "Cheffe de service"]


def rpps_valide(n: int) -> str:
    return avec_cle_luhn(f"1088{n:06d}")


def rpps_cle_fausse(n: int) -> str:
    ok = rpps_valide(n)
    return ok[:10] + str((int(ok[10]) + 1) % 10)


def ligne_valide(i: int, finess: str, rng: random.Random | None = None) -> dict:
    """One clean row of Socle's template for fictitious person number i (unique identity)."""
    rng = rng or random.Random(i)
    nom = f"{NOMS[i % len(NOMS)]}-TEST{i:04d}"
    prenom = PRENOMS[i % len(PRENOMS)]
    return {
        "nom_naissance": nom, "nom_usage": "", "prenoms_naissance": f"{prenom},Marie" if i % 3 == 0 else prenom,
        "prenom_usuel": prenom, "sexe": "F" if i % 4 else "M",
        "date_naissance": date(1960 + i % 40, 1 + i % 12, 1 + i % 28).strftime("%d/%m/%Y"),
        "commune_naissance": "69381" if i % 10 else "", "pays_naissance": "" if i % 10 else "99134",
        "email": f"personne{i}@demo.invalid", "mobile": f"06{i:08d}", "finess_et": finess,
        "metier": METIERS[i % len(METIERS)], "role": "", "genre_activite": "", "date_prise_fonction": "01/09/2020",
        "date_fin": "", "rpps": "",
    }


def csv_gabarit(lignes: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLONNES_GABARIT, delimiter=";", lineterminator="\n")
    w.writeheader()
    w.writerows(lignes)
    return buf.getvalue().encode("utf-8")


def xlsx(lignes: list[dict], colonnes: list[str] | None = None) -> bytes:
    from openpyxl import Workbook

    colonnes = colonnes or COLONNES_GABARIT
    wb = Workbook()
    ws = wb.active
    ws.append(colonnes)
    for lg in lignes:
        ws.append([lg.get(c, "") for c in colonnes])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class ProfessionnelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Professionnel

    organisme = factory.LazyAttribute(lambda o: EtablissementFactory().organisme)
    nom_naissance = factory.Sequence(lambda n: f"FICTIF{n:05d}")
    prenoms = factory.LazyFunction(lambda: ["Camille"])
    prenom_usuel = "Camille"
    sexe = "F"
    civilite = "MME"
    date_naissance = date(1985, 3, 14)
    commune_naissance = "69381"
    email = factory.Sequence(lambda n: f"fictif{n}@demo.invalid")
    mobile = factory.Sequence(lambda n: f"06{n:08d}")


class SituationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SituationExercice

    professionnel = factory.SubFactory(ProfessionnelFactory)
    etablissement = factory.LazyAttribute(lambda o: EtablissementFactory(organisme=o.professionnel.organisme))
    metier = "Accompagnant éducatif et social"
    role = "328"
    role_propose = "328"
    genre_activite = "GENR10"
    genre_propose = "GENR10"
    date_prise_fonction = date(2020, 9, 1)
