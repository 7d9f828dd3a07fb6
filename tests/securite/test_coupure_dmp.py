"""Nothing sent twice under faults: the process sending a document to the DMP (`socle dmp-envois`, what the
worker runs) is killed with SIGKILL while the DMP holds its ITI-41 request; the DMP registers it anyway. The
same command run again asks the DMP first (ITI-18), finds the document, marks it accepted — and sends nothing.

Socle runs in child processes on their own SQLite file (a worker is a process of its own); the DMP stand-in runs
in the test process, so the test sees every request it received."""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from socle.connecteurs.dmp.pki import assurer_pki
from socle.connecteurs.dmp.standin import BouchonDmp

pytestmark = pytest.mark.coupure
RACINE = Path(__file__).resolve().parents[2]

PREPARER = """
import django, sys
django.setup()
from django.core.management import call_command
call_command("migrate", "--no-input", verbosity=0)
from socle.connecteurs.dmp.pki import assurer_pki
from socle.documents import envoi_dmp
from tests.documents.dmp_outils import cda_pour, deposer_certificats_dmp, valide
from tests.documents.factories import CONTENU_DLU, TRAITS, professionnel_avec_compte, qualifier
from tests.organisations.factories import EtablissementFactory
from socle.documents import services
from socle.usagers import services as usagers_services
from datetime import date
ehpad = EtablissementFactory(categorie_code="500", categorie_libelle="EHPAD", nom="EHPAD DÉMO Coupure")
resident = qualifier(usagers_services.creer_usager(ehpad.organisme, ehpad, dict(TRAITS)))
infirmiere = professionnel_avec_compte(ehpad)
deposer_certificats_dmp(ehpad.organisme, assurer_pki(sys.argv[1]))
doc = valide(services.creer_dlu(resident, ehpad, par=infirmiere, contenu=dict(CONTENU_DLU), date_acte=date(2026, 12, 1)))
envoi_dmp.programmer_envoi(doc, infirmiere)
print(envoi_dmp.unique_id_de(doc))
"""


def _env(dossier: Path, bouchon) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(SOCLE_DATA_DIR=str(dossier), DATABASE_URL=f"sqlite:///{dossier / 'socle.sqlite3'}",
               DJANGO_SETTINGS_MODULE="socle.settings", SOCLE_DMP_URL=bouchon.url_base,
               SOCLE_DMP_CA_BUNDLE=str(bouchon.pki.ca), SOCLE_DMP_HOMOLOGATION="HOMOLOGATION-TEST",
               SOCLE_DMP_LPS_ID="LPS-TEST", SOCLE_DMP_SOURCE_ID="1.2.250.1.999.4",
               SOCLE_DMP_REPOSITORY_ID="1.2.250.1.999.1.1.8")
    return env


def test_envoi_dmp_tue_pendant_l_appel_puis_repris_sans_second_envoi(tmp_path):
    pki = assurer_pki(tmp_path / "pki")
    recu, relache = threading.Event(), threading.Event()

    def retenir(cda: bytes) -> list[str]:
        recu.set()  # the request reached the DMP: the sender is killed now, the DMP goes on
        relache.wait(30)
        return []

    with BouchonDmp(pki, tmp_path / "dmp.sqlite3", valideurs_cda=[retenir]) as bouchon:
        env = _env(tmp_path, bouchon)
        r = subprocess.run([sys.executable, "-c", PREPARER, str(tmp_path / "pki")], env=env, cwd=RACINE,
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stdout + r.stderr
        uid = r.stdout.strip().splitlines()[-1]
        proc = subprocess.Popen([sys.executable, "-m", "socle.cli", "dmp-envois"], env=env, cwd=RACINE,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            assert recu.wait(300), "la requête ITI-41 n'est jamais arrivée au DMP"
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            relache.set()
            proc.stdout.close()
        # the DMP finishes registering the document its sender no longer waits for
        for _ in range(100):
            if bouchon.registre.compter(uid):
                break
            threading.Event().wait(0.1)
        assert bouchon.registre.compter(uid) == 1
        r = subprocess.run([sys.executable, "-m", "socle.cli", "dmp-envois"], env=env, cwd=RACINE,
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0 and "accepte 1" in r.stdout, r.stdout + r.stderr
        assert len(bouchon.journal.envois(uid)) == 1  # one ITI-41, ever
        assert [a.transaction for a in bouchon.journal.appels].count("ITI-18") >= 1  # the DMP was asked first
        assert bouchon.registre.compter(uid) == 1
        r = subprocess.run([sys.executable, "-m", "socle.cli", "dmp-envois"], env=env, cwd=RACINE,
                           capture_output=True, text=True, timeout=600)
        assert "Aucun envoi au DMP à traiter." in r.stdout and len(bouchon.journal.envois(uid)) == 1
