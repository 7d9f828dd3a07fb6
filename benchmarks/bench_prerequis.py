"""Benchmark of the prerequisites cockpit: grappe matrix, a person's next actions, .ics export, reminders.

Run: .venv/bin/python benchmarks/bench_prerequis.py [--quick]
Builds a throw-away SQLite database in a temporary folder (never touches var/).
"""

import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="bench-prerequis-"))
os.environ.setdefault("SOCLE_DATA_DIR", str(TMP))
os.environ["DATABASE_URL"] = f"sqlite:///{TMP / 'bench.sqlite3'}"
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socle.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from socle.comptes.models import Fonction, Habilitation, Utilisateur  # noqa: E402
from socle.core.identifiants import avec_cle_luhn  # noqa: E402
from socle.organisations.models import Etablissement, Grappe, OrganismeGestionnaire  # noqa: E402
from socle.prerequis import calendrier, services  # noqa: E402
from socle.prerequis.catalogue import ETAPES, ORDRE, Niveau  # noqa: E402
from socle.prerequis.models import EtatEtape, Statut  # noqa: E402


def finess(n: int) -> str:
    return avec_cle_luhn(f"97{n:06d}")


def main() -> None:
    quick = "--quick" in sys.argv
    nb_og, nb_et = (4, 8) if quick else (20, 15)
    call_command("migrate", verbosity=0)
    jour = services.aujourdhui()
    g = Grappe.objects.create(nom="Grappe banc d'essai")
    chef = Utilisateur.objects.create(username="chef", email="chef@exemple.invalid")
    Habilitation.objects.create(utilisateur=chef, fonction=Fonction.CHEF_PROJET, grappe=g)
    n = 0
    for i in range(nb_og):
        og = OrganismeGestionnaire.objects.create(finess=finess(n), raison_sociale=f"OG BANC {i}")
        n += 1
        g.membres.add(og)
        rl = Utilisateur.objects.create(username=f"rl{i}", email=f"rl{i}@exemple.invalid")
        Habilitation.objects.create(utilisateur=rl, fonction=Fonction.REPRESENTANT_LEGAL, organisme=og)
        ets = [Etablissement.objects.create(finess=finess(n + j), organisme=og, nom=f"ESMS {i}-{j}")
               for j in range(nb_et)]
        n += nb_et
        avance = i % len(ORDRE)
        for k, eid in enumerate(ORDRE[:avance]):
            cibles = [None] if ETAPES[eid].niveau == Niveau.OG else ets
            for et in cibles:
                EtatEtape.objects.create(organisme=og, etablissement=et, etape=eid, statut=Statut.FAIT,
                                         date_envoi=jour - timedelta(days=100 - k), date_fait=jour - timedelta(days=90 - k))
        suivante = ORDRE[avance]
        if i % 2 and ETAPES[suivante].niveau == Niveau.OG:  # half the OG have a late step
            EtatEtape.objects.create(organisme=og, etape=suivante, statut=Statut.EN_COURS,
                                     date_envoi=jour - timedelta(days=80))
    print(f"Grappe : {nb_og} OG × {nb_et} ESMS = {nb_og * nb_et} ESMS, {EtatEtape.objects.count()} états")
    for libelle, fn in [
        ("matrice de la grappe (chef de projet)", lambda: services.matrice_grappe(g, chef)),
        ("prochaines actions du chef de projet", lambda: services.actions_de(chef)),
        ("export .ics de toute la grappe", lambda: calendrier.exporter_ics(list(g.membres.all()))),
        ("rappels quotidiens (1er passage)", lambda: services.envoyer_rappels()),
        ("rappels quotidiens (2e passage, rien à envoyer)", lambda: services.envoyer_rappels()),
    ]:
        t = time.perf_counter()
        r = fn()
        dt = time.perf_counter() - t
        taille = len(r["lignes"]) if isinstance(r, dict) and "lignes" in r else (r if isinstance(r, dict) else len(r))
        print(f"  {libelle:<48} {dt * 1000:8.0f} ms  ({taille})")


if __name__ == "__main__":
    main()
