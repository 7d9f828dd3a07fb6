"""`socle worker`: django-tasks-db's worker loop, which does not die when the database is locked.

django-tasks-db's `db_worker` skips a locked database only while it looks for a task; a lock met when it opens
its transaction, or when it records a task's result (three quick tries), ends the process, and every later
import or INS batch waits for someone to restart it. Here the same loop runs inside a guard: on
`OperationalError: database is locked` it logs in French, waits (exponential backoff up to
SOCLE_WORKER_ATTENTE_MAX seconds) and goes on; recording a result is retried the same way, so a task that ran
is never marked failed because of a lock. Any other error still stops the worker.
"""

from __future__ import annotations

import logging
import os
import time

from django.conf import settings
from django.core.management.base import CommandError
from django.db import OperationalError, close_old_connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from socle.core.bdd import base_verrouillee, reessayer_si_verrouillee

logger = logging.getLogger("socle.worker")


class TravailleurResilient(db_worker.Worker):
    attente_initiale = 0.2

    def __init__(self, *args, attente_max: float = 30.0, pause=time.sleep, **kwargs):
        super().__init__(*args, **kwargs)
        self.attente_max = attente_max
        self.pause = pause
        self.verrous = 0  # locks ridden out, for the logs and the tests

    def run(self) -> None:
        attente = self.attente_initiale
        while self.running:
            try:
                return super().run()
            except OperationalError as exc:
                if not base_verrouillee(exc):
                    raise
                self.verrous += 1
                logger.warning("Base de données verrouillée par un autre traitement : le travailleur %s attend "
                               "%.1f s puis reprend la file.", self.worker_id, attente)
                close_old_connections()
                self.pause(attente)
                attente = min(attente * 2, self.attente_max)
        return None

    def run_task(self, db_task_result) -> None:
        # The result of a task that ran is written whatever the lock lasts (bounded by the worker's own patience).
        for nom in ("set_successful", "set_failed"):
            methode = getattr(db_task_result, nom)

            def garde(*args, _methode=methode, _nom=nom, **kwargs):
                def _ecrire():
                    return _methode(*args, **kwargs)

                return reessayer_si_verrouillee(_ecrire, quoi=f"résultat de la tâche {db_task_result.id}",
                                                delai_max=self.patience_resultat, attente_max=self.attente_max,
                                                pause=self.pause)

            setattr(db_task_result, nom, garde)
        super().run_task(db_task_result)

    @property
    def patience_resultat(self) -> float:
        return float(getattr(settings, "SOCLE_WORKER_PATIENCE_RESULTAT", 3600))


class Command(db_worker.Command):
    help = ("Exécute les travaux de fond (imports, lots INS) ; attend et reprend quand la base de données est "
            "verrouillée au lieu de s'arrêter.")

    def configure_logging(self, verbosity: int) -> None:
        super().configure_logging(verbosity)
        logger.setLevel(logging.WARNING if verbosity == 0 else logging.INFO)
        if not logger.hasHandlers():
            logger.addHandler(logging.StreamHandler(self.stdout))
        bdd = logging.getLogger("socle.bdd")
        if not bdd.hasHandlers():
            bdd.addHandler(logging.StreamHandler(self.stdout))

    def handle(self, *, verbosity: int, queue_name: str, interval: float, batch: bool, backend_name: str,
               startup_delay: bool, reload: bool, max_tasks: int | None, worker_id: str, exclude_queues: str,
               **options) -> None:
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("--reload et --batch ne vont pas ensemble : rechargement automatique désactivé.")
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues ne s'emploie qu'avec --queue-name=*")
        worker = TravailleurResilient(
            queue_names=queue_names, interval=interval, batch=batch, backend_name=backend_name,
            startup_delay=startup_delay, max_tasks=max_tasks, worker_id=worker_id, excluded_queue_names=excluded,
            attente_max=float(getattr(settings, "SOCLE_WORKER_ATTENTE_MAX", 30)),
        )
        logger.info("Travailleur %s démarré (files : %s).", worker_id, ", ".join(queue_names))
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
