"""`socle demo` runs the background worker beside its web server, so that the batches and imports launched from
the demo's screens run, and stops it when the demo stops."""

import contextlib
import os
import sqlite3
import subprocess
import sys
import time

import pytest
from django.core.management import call_command as lancer

from socle.web import demo
from socle.web.management.commands import demo as commande


def test_demo_lance_le_travailleur_pendant_le_serveur_et_l_arrete_apres(monkeypatch, db, capsys):
    etats = []

    @contextlib.contextmanager
    def faux_travailleur(stdout=None):
        etats.append("démarré")
        try:
            yield None
        finally:
            etats.append("arrêté")

    reel = commande.call_command

    def appel(nom, *args, **kwargs):
        if nom == "runserver":
            etats.append(f"serveur ({' / '.join(etats)})")
            raise KeyboardInterrupt  # the person stops the demo with Ctrl+C
        return reel(nom, *args, **kwargs)

    monkeypatch.setattr(commande, "travailleur", faux_travailleur)
    monkeypatch.setattr(commande, "call_command", appel)
    with pytest.raises(KeyboardInterrupt):
        lancer(commande.Command(), "--port", "8121")  # not run_from_argv: it closes the test's connection
    assert etats == ["démarré", "serveur (démarré)", "arrêté"]
    etats.clear()
    with pytest.raises(KeyboardInterrupt):
        lancer(commande.Command(), "--port", "8121", "--no-worker")
    assert etats == ["serveur ()"]


def test_travailleur_de_demo_execute_une_tache_puis_s_arrete(tmp_path, monkeypatch):
    """The real process: a task queued in the demo's database is run by the worker the demo started; leaving the
    demo ends the worker."""
    base = tmp_path / "demo.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{base}")
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "socle.settings")
    socle = [sys.executable, "-m", "socle.cli"]
    subprocess.run([*socle, "migrate", "--noinput", "-v0"], check=True, env=os.environ.copy(), timeout=300)
    with demo.travailleur(identifiant="demo-test") as proc:
        subprocess.run([*socle, "reminders", "--enqueue"], check=True, env=os.environ.copy(), timeout=120,
                       capture_output=True)
        limite, statut = time.monotonic() + 120, None
        while time.monotonic() < limite:
            with contextlib.closing(sqlite3.connect(base, timeout=20)) as cx:
                statut, qui = cx.execute("select status, worker_ids from django_tasks_database_dbtaskresult").fetchone()
            if statut in ("SUCCESSFUL", "FAILED"):
                break
            assert proc.poll() is None, "le travailleur s'est arrêté"
            time.sleep(0.5)
        assert statut == "SUCCESSFUL" and "demo-test" in qui
    assert proc.poll() is not None  # stopped with the demo
