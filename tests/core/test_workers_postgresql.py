"""Several `socle worker` processes on one PostgreSQL database (the multi-machine deployment of deploy/): a task
runs once whichever worker takes it, and two processes on the same INS batch never call the same person twice
(calls counted on the INSi stand-in's side, which runs in this test process).

Marked `postgresql`: run by the PostgreSQL pass of scripts/test.sh, deselected on SQLite (tests/conftest.py)."""

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from socle.connecteurs.insi.standin import base, bouchon_local
from socle.usagers import batch, services
from socle.usagers.models import AnomalieIns, AppelInsi, LigneLot, LotQualification
from tests.core.taches_paralleles import noter_execution
from tests.organisations.factories import EtablissementFactory, OrganismeFactory
from tests.usagers.factories import deposer_certificat_insi, matricule_pour

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]
RACINE = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    """The environment of a child process: this test database, this data folder (same secrets key)."""
    s = connection.settings_dict
    mdp = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    url = f"postgres://{s['USER']}{mdp}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(RACINE), "SOCLE_ENV_FILE": "/nonexistent",
            "DJANGO_SETTINGS_MODULE": "socle.settings", **extra}


def _attendre(processus: list[subprocess.Popen], delai: float = 180) -> list[tuple[int, str]]:
    sorties = []
    for p in processus:
        try:
            out, _ = p.communicate(timeout=delai)
        except subprocess.TimeoutExpired:
            for q in processus:
                q.kill()
            raise
        sorties.append((p.returncode, out))
    return sorties


def test_deux_workers_n_executent_jamais_deux_fois_la_meme_tache(tmp_path):
    journal = tmp_path / "executions.txt"
    n = 40
    ids = {str(noter_execution.enqueue(str(journal), i).id) for i in range(n)}
    workers = [subprocess.Popen([sys.executable, "-m", "socle.cli", "worker", "--batch", "--no-startup-delay",
                                 "--worker-id", f"worker-{k}", "--interval", "0.1"], cwd=RACINE, env=_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for k in (1, 2)]
    for rc, sortie in _attendre(workers):
        assert rc == 0, sortie
    lignes = journal.read_text().split()
    numeros, pids = Counter(lignes[0::2]), set(lignes[1::2])
    assert len(numeros) == n and all(c == 1 for c in numeros.values()), numeros.most_common(3)
    resultats = DBTaskResult.objects.filter(id__in=ids)
    assert resultats.count() == n and set(resultats.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert all(len(r.worker_ids) == 1 for r in resultats)  # each task taken by one worker, once
    # both workers took tasks: they really ran side by side on the same queue
    assert len(pids) == 2 and {w for r in resultats for w in r.worker_ids} == {"worker-1", "worker-2"}


SCRIPT_LOT = """
import os, sys, time, pathlib, django
django.setup()
from socle.usagers import batch
dossier = pathlib.Path(sys.argv[2])
(dossier / f"pret-{os.getpid()}").touch()
while not (dossier / "partez").exists():
    time.sleep(0.01)
lot = batch.executer_lot(int(sys.argv[1]))
print("fin", lot.etat)
"""


def _personnes(et, n: int) -> list[str]:
    noms = []
    for i in range(n):
        nom = f"PARALLELE{et.pk}X{chr(65 + i // 26)}{chr(65 + i % 26)}"
        d = date(1935, 1, 1) + timedelta(days=41 * i + et.pk)
        u = services.creer_usager(et.organisme, et, {"nom_naissance": nom, "prenoms_naissance": "CLAIRE", "sexe": "F",
                                                     "date_naissance": d, "lieu_naissance": "69123"})
        mat, cle = matricule_pour("F", d, "69123", u.pk)
        base.ajouter({"matricule": mat, "cle": cle, "nom_naissance": nom, "prenoms": ["CLAIRE"], "sexe": "F",
                      "date_naissance": d.isoformat(), "lieu_naissance": "69123"})
        noms.append(u.nom_naissance)
    return noms


def test_deux_processus_sur_le_meme_lot_ins_n_appellent_personne_deux_fois(tmp_path, settings):
    settings.SOCLE_INSI_EXIGER_CERTIFICAT = False
    settings.SOCLE_INSI_CERTIFICATS_INSTALLATION = False
    bouchon = bouchon_local()  # the stand-in of this process: both children call it, it counts the calls
    bouchon.journal.vider()
    et = EtablissementFactory(organisme=OrganismeFactory(raison_sociale="ASSOCIATION PARALLELE"))
    deposer_certificat_insi(et.organisme, "INSI-AUTO")
    noms = _personnes(et, 30)
    lot = batch.preparer_lot(et, debit=40)  # 40 calls/s per process: the run lasts long enough to overlap
    assert lot.lignes.count() == 30
    env = _env(SOCLE_INSI_URL=bouchon.url, SOCLE_INSI_CA_BUNDLE=str(bouchon.pki.ca), SOCLE_INSI_IDAM="BOUCHON-SOCLE",
               SOCLE_INSI_EXIGER_CERTIFICAT="false", SOCLE_INSI_CERTIFICATS_INSTALLATION="false")
    processus = [subprocess.Popen([sys.executable, "-c", SCRIPT_LOT, str(lot.pk), str(tmp_path)], cwd=RACINE, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in (1, 2)]
    limite = time.monotonic() + 120
    while len(list(tmp_path.glob("pret-*"))) < 2:  # both ready (Django loaded): start them together
        assert time.monotonic() < limite and all(p.poll() is None for p in processus), _attendre(processus)
        time.sleep(0.05)
    (tmp_path / "partez").touch()
    for rc, sortie in _attendre(processus):
        assert rc == 0, sortie
    # the stand-in saw each person exactly once, with the OG's certificate
    par_nom = Counter(a.nom for a in bouchon.journal.appels)
    assert sorted(par_nom) == sorted(noms) and set(par_nom.values()) == {1}, par_nom.most_common(3)
    assert len(bouchon.journal.appels) == 30
    assert AppelInsi.objects.filter(usager__nom_naissance__in=noms).count() == 30
    # and the batch's own record agrees: every line answered once, none taken for an interrupted call
    lot.refresh_from_db()
    assert lot.etat == LotQualification.Etat.TERMINE
    assert Counter(lot.lignes.values_list("etat", flat=True)) == {LigneLot.Etat.QUALIFIEE: 30}
    assert not AnomalieIns.objects.filter(ligne__lot=lot).exists()
