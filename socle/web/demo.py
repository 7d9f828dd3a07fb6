"""Deterministic fictitious data for `socle demo`. Each app adds its part with a `peupler(ctx)` function in
its own `demo.py`; they run in the order of DEMO_APPS, all in one transaction."""

import contextlib
import importlib
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

DEMO_APPS = ["organisations", "comptes", "personnel", "usagers", "usagers.echanges", "prerequis", "documents",
             "pilotage"]


@dataclass
class DemoContext:
    rng: random.Random = field(default_factory=lambda: random.Random(20261126))
    grappe: object = None
    organismes: list = field(default_factory=list)
    etablissements: list = field(default_factory=list)
    comptes: dict = field(default_factory=dict)  # persona label -> username
    notes: list = field(default_factory=list)  # lines printed after the build


def _module(app: str):
    try:
        return importlib.import_module(f"socle.{app}.demo")
    except ModuleNotFoundError as exc:
        if exc.name != f"socle.{app}.demo":
            raise
        return None


def construire(stdout=None) -> DemoContext:
    ctx = DemoContext()
    with transaction.atomic():
        # Apps whose demo rows protect another app's (a document protects its usager) remove them first, from
        # the top of the list down, before any app rebuilds its part.
        for app in reversed(DEMO_APPS):
            nettoyer = getattr(_module(app), "nettoyer", None)
            if nettoyer is not None:
                nettoyer()
        for app in DEMO_APPS:
            module = _module(app)
            if module is None:
                continue
            module.peupler(ctx)
            if stdout is not None:
                stdout.write("  · " + _("%(app)s : prêt") % {"app": app})
    return ctx


@contextlib.contextmanager
def travailleur(stdout=None, identifiant: str | None = None) -> Iterator[subprocess.Popen]:
    """The background worker (`socle worker`, every queue) beside the demo's web server, so that the batches,
    imports and reminders launched from its screens run; stopped when the demo stops, whatever ends it."""
    identifiant = identifiant or f"demo-{os.getpid()}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "socle.settings")}
    proc = subprocess.Popen([sys.executable, "-m", "socle.cli", "worker", "--worker-id", identifiant], env=env)
    if stdout is not None:
        stdout.write(_("Traitements en arrière-plan : travailleur %(id)s démarré (processus %(pid)s).")
                     % {"id": identifiant, "pid": proc.pid})
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if stdout is not None:
            stdout.write(_("Travailleur de la démonstration arrêté."))
