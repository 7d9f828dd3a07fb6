import signal
import sqlite3
import threading
from datetime import date

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.tasks import task

from socle.connecteurs.insi.interface import ReponseInsi
from socle.usagers import batch, services
from socle.usagers.models import LigneLot, LotQualification
from tests.factories import EtablissementFactory


class Verrou:
    """An exclusive lock on the test database held by another connection, released after `duree` seconds."""

    def __init__(self):
        if connection.vendor != "sqlite":
            pytest.skip("verrou exclusif SQLite")
        self.cx = sqlite3.connect(connection.settings_dict["NAME"], uri=True, isolation_level=None,
                                  check_same_thread=False)
        self.pris = 0

    def prendre(self, duree: float) -> None:
        self.cx.execute("BEGIN EXCLUSIVE")
        self.pris += 1
        threading.Timer(duree, lambda: self.cx.execute("ROLLBACK")).start()


VERROU: list = []


@task()
def tache_qui_verrouille(duree: float) -> str:
    VERROU[0].prendre(duree)
    return "fini"


@task()
def tache_simple() -> str:
    return "ok"


@pytest.fixture
def signaux():
    anciens = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for s, h in anciens.items():
        signal.signal(s, h)


@pytest.mark.django_db(transaction=True)
def test_worker(signaux, caplog):
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.management.commands import db_worker
    verrou = Verrou()
    VERROU[:] = [verrou]
    r1 = tache_simple.enqueue()
    # the bare db_worker loop dies on a lock met when it opens its transaction
    verrou.prendre(1.0)
    with pytest.raises(OperationalError):
        db_worker.Worker(queue_names=["*"], interval=0.05, batch=True, backend_name="default", startup_delay=False,
                         max_tasks=None, worker_id="nu", excluded_queue_names=[]).run()
    verrou.prendre(0.0) if False else None
    import time; time.sleep(1.1)
    verrou.prendre(1.0)
    call_command("socle_worker", "--batch", "--queue-name", "*", "--no-startup-delay", "--interval", "0.05", "--no-reload")
    r2 = tache_qui_verrouille.enqueue(1.0)
    call_command("socle_worker", "--batch", "--queue-name", "*", "--no-startup-delay", "--interval", "0.05", "--no-reload")
    assert DBTaskResult.objects.get(pk=r1.id).status == "SUCCESSFUL"
    assert DBTaskResult.objects.get(pk=r2.id).status == "SUCCESSFUL"
    print([r.message for r in caplog.records])
    assert 0


@pytest.mark.django_db(transaction=True)
def test_batch():
    verrou = Verrou()
    et = EtablissementFactory(categorie_code="500")
    gens = [services.creer_usager(et.organisme, et, {"nom_naissance": f"VERROU{c}", "prenoms_naissance": "ALICE",
                                                     "sexe": "F", "date_naissance": date(1950, 1, i + 1),
                                                     "lieu_naissance": "69123"}) for i, c in enumerate("ABC")]
    lot = LotQualification.objects.create(etablissement=et, debit=1000)
    LigneLot.objects.bulk_create([LigneLot(lot=lot, usager=u) for u in gens])

    class Client:
        def rechercher(self, traits, mode="AUTO"):
            verrou.prendre(0.5)
            return ReponseInsi(cr="01", appels=1)

    lot = batch.executer_lot(lot.pk, client=Client(), pause=lambda s: None)
    assert verrou.pris == 3
    assert lot.compte()["anomalie"] == 3
