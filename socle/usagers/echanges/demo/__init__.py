"""Demo: one DUI export per demo ESMS kind, shipped in this folder — the EHPAD's as CSV (`ehpad.csv`), the SAAD's
as a FHIR Bundle (`saad.json`), the IME's as HL7 v2 ADT messages (`ime.hl7`) — and, for the local INSi stand-in,
the national identities of most of their people, so that the guide's round trip works: import → batch
qualification → export back. Fictitious people only ("DEMODUI…" names). Never reads ctx.rng (the other demo
parts stay as they were)."""

from __future__ import annotations

import csv
import random
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

from socle.core.identifiants import nir_key

DOSSIER = Path(__file__).resolve().parent
FICHIERS = {"500": ("ehpad.csv", "csv"), "460": ("saad.json", "fhir"), "183": ("ime.hl7", "hl7")}
SYLLABES = ["LIN", "BERT", "CAZE", "RIVE", "TOUR", "MONT", "LAC", "VAL", "PRE", "BOIS", "FONT", "ROCHE"]
PRENOMS = {"F": ["ALICE", "BERTHE", "CLARA", "DENISE", "ELISE", "FLORE", "IRENE", "LOUISE", "ROSE"],
           "M": ["ALBAN", "BASILE", "CYRIL", "EMILE", "FIRMIN", "HUGO", "JULES", "LUCIEN", "PAUL"]}
LIEUX = ["69123", "69266", "69029", "01053", "42218", "75056", "13055", "99350"]
ANNEES = {"500": (1925, 1945), "460": (1930, 1960), "183": (2008, 2019)}
N = 24


def personnes(categorie: str) -> list[dict]:
    """The fictitious people of one demo DUI (deterministic); every 6th is unknown to the national base."""
    rng = random.Random(f"dui-{categorie}")
    out = []
    for k in range(N):
        sexe = rng.choice("FM")
        prenoms = rng.sample(PRENOMS[sexe], rng.choice((1, 2, 2, 3)))
        lo, hi = ANNEES[categorie]
        d = date(rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28))
        lieu = rng.choice(LIEUX)
        corps = f"{1 if sexe == 'M' else 2}{d:%y%m}{lieu}{900 + k:03d}"
        out.append({"ipp": f"{categorie}-{k + 1:04d}", "nom_naissance": "DEMODUI" + rng.choice(SYLLABES)
                    + rng.choice(SYLLABES), "prenoms": prenoms, "sexe": sexe, "date_naissance": d,
                    "lieu_naissance": lieu, "matricule": corps, "cle": f"{nir_key(corps):02d}",
                    "connue": k % 6 != 5, "statut": "VALI" if k % 4 == 0 else "PROV"})
    return out


def ecrire_fichiers(dossier: Path = DOSSIER) -> None:
    """(Re)write the shipped files from `personnes()`; tests check the shipped files did not drift."""
    from socle.usagers.echanges import fhir, hl7v2

    for categorie, (nom, format_) in FICHIERS.items():
        fiches = personnes(categorie)
        chemin = dossier / nom
        if format_ == "csv":
            with open(chemin, "w", encoding="utf-8", newline="") as f:
                w = csv.writer(f, delimiter=";")
                w.writerow(["N° dossier", "Nom de naissance", "Prénoms", "Date de naissance", "Sexe",
                            "Lieu de naissance", "Statut"])
                for p in fiches:
                    w.writerow([p["ipp"], p["nom_naissance"], " ".join(p["prenoms"]),
                                p["date_naissance"].strftime("%d/%m/%Y"), p["sexe"], p["lieu_naissance"],
                                p["statut"]])
            continue
        objets = [SimpleNamespace(pk=k + 1, nom_naissance=p["nom_naissance"], prenoms_naissance=" ".join(p["prenoms"]),
                                  premier_prenom=p["prenoms"][0], date_naissance=p["date_naissance"], sexe=p["sexe"],
                                  lieu_naissance=p["lieu_naissance"], nom_utilise="", prenom_utilise="",
                                  statut=p["statut"], matricule_ins="", oid_ins="", ins="", douteuse=False,
                                  fictive=False, homonyme=False, date_appel_insi=None,
                                  modifie_le=datetime(2026, 11, 1, 9, 0))
                  for k, p in enumerate(fiches)]
        if format_ == "fhir":
            with open(chemin, "w", encoding="utf-8") as f:
                n = fhir.ecrire_bundle(f, (fhir.patient(o, p["ipp"], "urn:oid:1.2.250.1.999.183.1")
                                           for o, p in zip(objets, fiches, strict=True)),
                                       horodatage=datetime(2026, 11, 1, 9, 0).astimezone())
                assert n == N
        else:
            with open(chemin, "w", encoding="utf-8", newline="") as f:
                for k, (o, p) in enumerate(zip(objets, fiches, strict=True), start=1):
                    msg = hl7v2.message_a31(o, p["ipp"], "DUI-IME-DEMO", "1.2.250.1.999.183.2", numero=f"DEMO{k}",
                                            emetteur="DUI-IME", horodatage=datetime(2026, 11, 1, 9, 0),
                                            application="DUI-DEMO", destinataire="SOCLE")
                    f.write(msg.replace("ADT^A31^ADT_A05", "ADT^A28^ADT_A05") + "\r\n")


def peupler(ctx) -> None:
    from socle.connecteurs.insi.standin import publier_identites

    nationales = [{"matricule": p["matricule"], "cle": p["cle"], "nom_naissance": p["nom_naissance"],
                   "prenoms": p["prenoms"], "sexe": p["sexe"], "date_naissance": p["date_naissance"].isoformat(),
                   "lieu_naissance": p["lieu_naissance"]}
                  for categorie in FICHIERS for p in personnes(categorie) if p["connue"]]
    publier_identites(nationales)
    for categorie, (nom, format_) in FICHIERS.items():
        et = next((e for e in ctx.etablissements if e.categorie_code == categorie), None)
        if et is None:
            continue
        ctx.notes.append(
            f"DUI ({format_}) de {et.nom} : `socle usagers import {DOSSIER / nom} --esms {et.finess} --dry-run`, "
            f"puis sans --dry-run, `socle ins qualify --establishment {et.finess}`, "
            f"`socle usagers export --esms {et.finess} --format {format_ if format_ != 'xlsx' else 'csv'} "
            f"--depuis dernier --out retour-{et.finess}.{ {'csv': 'csv', 'fhir': 'json', 'hl7': 'hl7'}[format_] }`.")
