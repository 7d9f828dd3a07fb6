"""Nothing lost under faults: the process running a FINESS import, a staff import or an INS batch is killed with
SIGKILL (kill -9) in the middle of its work, then the installation carries on as an operator would (the daily
`socle travaux-bloques`, then the same command again). Each job ends completed, or rolled back and resumable,
and no row is doubled.

Each test runs Socle in child processes on its own SQLite file, as in production (a worker is a process of its
own); the test reads that file with sqlite3."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.organisations.test_finess_import import _gros_flux

pytestmark = pytest.mark.coupure
RACINE = Path(__file__).resolve().parents[2]


def _env(dossier: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(SOCLE_DATA_DIR=str(dossier), DATABASE_URL=f"sqlite:///{dossier / 'socle.sqlite3'}")
    return env


def _socle(dossier: Path, *args: str, attendre: bool = True, **kw):
    cmd = [sys.executable, "-m", "socle.cli", *args]
    if not attendre:
        return subprocess.Popen(cmd, env=_env(dossier), cwd=RACINE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return subprocess.run(cmd, env=_env(dossier), cwd=RACINE, capture_output=True, text=True, timeout=600, **kw)


def _sql(dossier: Path, requete: str, *params) -> list[tuple]:
    with sqlite3.connect(dossier / "socle.sqlite3", timeout=30) as cx:
        return cx.execute(requete, params).fetchall()


def _tuer_quand(proc: subprocess.Popen, condition, delai: float = 120) -> None:
    """SIGKILL the process as soon as `condition()` holds (it must hold before the process ends by itself)."""
    fin = time.monotonic() + delai
    while time.monotonic() < fin:
        if proc.poll() is not None:
            sortie = proc.stdout.read().decode(errors="replace")[-2000:]
            proc.stdout.close()
            pytest.fail("le processus a fini avant d'être interrompu : le test n'a rien prouvé\n" + sortie)
        try:
            if condition():
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
                proc.stdout.close()
                return
        except sqlite3.OperationalError:  # the writer holds the lock for a moment: look again
            pass
        time.sleep(0.05)
    proc.kill()
    proc.wait(timeout=30)
    proc.stdout.close()
    pytest.fail("condition d'interruption jamais atteinte")


@pytest.fixture
def installation(tmp_path) -> Path:
    r = _socle(tmp_path, "migrate", "--no-input", "-v", "0")
    assert r.returncode == 0, r.stdout + r.stderr
    return tmp_path


def test_import_finess_tue_pendant_l_ecriture_puis_relance(installation, tmp_path):
    flux = tmp_path / "national.json"
    _gros_flux(flux, 8000)
    proc = _socle(installation, "import-finess", str(flux), "--quiet", "--sans-anomalies", attendre=False)

    def en_ecriture() -> bool:
        etat = _sql(installation, "select statut, message from organisations_importfiness")
        ecrits = _sql(installation, "select count(*) from organisations_etablissement")[0][0]
        return bool(etat) and etat[0][1].startswith("Écriture") and ecrits > 0

    _tuer_quand(proc, en_ecriture)
    ecrits = _sql(installation, "select count(*) from organisations_etablissement")[0][0]
    assert [s for (s,) in _sql(installation, "select statut from organisations_importfiness")] == ["en_cours"]
    # the daily check closes the dead run with what to do
    r = _socle(installation, "travaux-bloques", "--delai", "0")
    assert r.returncode == 0 and "imports FINESS 1" in r.stdout, r.stdout + r.stderr
    (statut, message), = _sql(installation, "select statut, message from organisations_importfiness")
    assert statut == "erreur" and "Relancez l'import du même fichier" in message
    # the same command again completes it: nothing doubled, nothing missing
    r = _socle(installation, "import-finess", str(flux), "--quiet", "--sans-anomalies")
    assert r.returncode == 0, r.stdout + r.stderr
    attendus = _sql(installation, "select count(*) from organisations_etablissement")[0][0]
    distincts = _sql(installation, "select count(distinct finess) from organisations_etablissement")[0][0]
    ej = _sql(installation, "select count(*), count(distinct finess) from organisations_organismegestionnaire")[0]
    assert attendus == distincts and ej == (8000, 8000) and attendus > ecrits
    assert _sql(installation, "select statut from organisations_importfiness order by id")[-1] == ("termine",)


def test_import_du_personnel_tue_pendant_la_validation_puis_relance(installation, tmp_path):
    from tests.personnel.factories import csv_gabarit, ligne_valide

    r = _socle(installation, "shell", "-c", (
        "from socle.organisations.models import *;"
        "og = OrganismeGestionnaire.objects.create(finess='690000013', raison_sociale='OG COUPURE');"
        "Etablissement.objects.create(finess='690000021', organisme=og, nom='EHPAD COUPURE - LYON',"
        " categorie_code='500', commune='LYON', code_commune='69123', departement='69')"))
    assert r.returncode == 0, r.stdout + r.stderr
    fichier = tmp_path / "personnel.csv"
    fichier.write_bytes(csv_gabarit([ligne_valide(i, "690000021") for i in range(3000)]))
    proc = _socle(installation, "import-staff", str(fichier), "--og", "690000013", attendre=False)
    _tuer_quand(proc, lambda: _sql(installation, "select statut from personnel_importpersonnel") == [("en_cours",)])
    # one write transaction: all or nothing, never half a file
    assert _sql(installation, "select count(*) from personnel_professionnel")[0][0] in (0, 3000)
    r = _socle(installation, "travaux-bloques", "--delai", "0")
    assert "imports du personnel 1" in r.stdout, r.stdout + r.stderr
    assert _sql(installation, "select statut from personnel_importpersonnel") == [("echec",)]
    r = _socle(installation, "import-staff", str(fichier), "--og", "690000013")
    assert r.returncode == 0, r.stdout + r.stderr
    assert _sql(installation, "select count(*), count(distinct cle) from personnel_professionnel")[0] == (
        3000, 3000)


def test_lot_insi_tue_pendant_les_appels_puis_repris(tmp_path):
    r = _socle(tmp_path, "demo", "--no-serve")
    assert r.returncode == 0, r.stdout + r.stderr
    esms = "699001053"
    proc = _socle(tmp_path, "ins", "qualify", "--establishment", esms, "--rate", "20", attendre=False)

    def quelques_appels() -> bool:
        return _sql(tmp_path, "select count(*) from usagers_lignelot where etat not in ('a_faire', 'appel')")[0][0] >= 5

    _tuer_quand(proc, quelques_appels)
    r = _socle(tmp_path, "travaux-bloques", "--delai", "0")
    assert "lots INSi 1" in r.stdout, r.stdout + r.stderr
    r = _socle(tmp_path, "ins", "qualify", "--establishment", esms, "--rate", "50")
    assert r.returncode == 0 and "Reprise du lot" in r.stdout, r.stdout + r.stderr
    # every line of the batch ended; each person has one line and at most one stored INSi answer
    assert _sql(tmp_path, "select count(*) from usagers_lotqualification") == [(1,)]
    assert _sql(tmp_path, "select count(*) from usagers_lignelot where etat in ('a_faire', 'appel')") == [(0,)]
    doubles = _sql(tmp_path, "select usager_id from usagers_lignelot group by usager_id having count(*) > 1")
    appels = _sql(tmp_path, "select usager_id from usagers_appelinsi where mode = 'AUTO' group by usager_id "
                            "having count(*) > 1")
    assert doubles == [] and appels == []
    assert _sql(tmp_path, "select etat from usagers_lotqualification") == [("termine",)]
