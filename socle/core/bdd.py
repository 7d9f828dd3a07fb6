"""Riding out a locked database.

SQLite lets one writer at a time: a long import or a backup holding the lock makes another process's write
fail with ``OperationalError: database is locked`` once the connection's busy timeout has passed (PostgreSQL
answers ``lock_not_available`` or a deadlock in the same situations). A background job must not die for that:
it waits a little and tries again. ``reessayer_si_verrouillee`` does it for one unit of work (a function that
opens its own transaction), with an exponential backoff bounded in total time; anything else is re-raised.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError, connection

log = logging.getLogger("socle.bdd")

# PostgreSQL SQLSTATE: lock_not_available, deadlock_detected, serialization_failure.
CODES_PG_VERROU = {"55P03", "40P01", "40001"}


def base_verrouillee(exc: BaseException) -> bool:
    """The error says the database (or a table of it) is locked by another connection, and nothing else."""
    if not isinstance(exc, OperationalError):
        return False
    if "is locked" in str(exc).lower():  # SQLite: database / table / schema is locked
        return True
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) in CODES_PG_VERROU or getattr(cause, "pgcode", None) in CODES_PG_VERROU


def reessayer_si_verrouillee[T](fonction: Callable[[], T], *, quoi: str = "écriture", delai_max: float | None = None,
                             attente_initiale: float = 0.05, attente_max: float = 5.0,
                             pause: Callable[[float], None] = time.sleep,
                             horloge: Callable[[], float] = time.monotonic) -> T:
    """Call `fonction` (a whole unit of work, with its own transaction) until it does not meet a locked database,
    waiting longer each time (from `attente_initiale` to `attente_max` seconds), for at most `delai_max` seconds
    in all (setting SOCLE_BDD_VERROU_DELAI_MAX, 60 s by default; None = that setting). Inside an outer
    transaction nothing can be retried: the error goes up at once, to the code that owns the transaction."""
    if delai_max is None:
        delai_max = float(getattr(settings, "SOCLE_BDD_VERROU_DELAI_MAX", 60.0))
    debut = horloge()
    attente = attente_initiale
    essai = 1
    while True:
        try:
            return fonction()
        except OperationalError as exc:
            if not base_verrouillee(exc) or connection.in_atomic_block:
                raise
            ecoule = horloge() - debut
            if ecoule + attente > delai_max:
                log.error("Base de données toujours verrouillée après %.1f s (%s) : abandon.", ecoule, quoi)
                raise
            log.warning("Base de données verrouillée (%s, essai %d) : nouvel essai dans %.2f s.", quoi, essai,
                        attente)
            pause(attente)
            attente = min(attente * 2, attente_max)
            essai += 1


def cote_a_cote[T](taches: dict[str, Callable[[], T]]) -> dict[str, T]:
    """Run independent read-only computations side by side on PostgreSQL, each in a thread with its own connection
    (closed after): the database answers one while Python counts another (a regional grappe's dashboard).

    One after the other on SQLite (one file, nothing to gain) and inside a transaction (a test, an atomic block):
    another connection would not see its uncommitted rows."""
    if connection.vendor != "postgresql" or connection.in_atomic_block or len(taches) < 2:
        return {nom: tache() for nom, tache in taches.items()}
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def dans_un_fil(tache: Callable[[], T]) -> T:
        try:
            return tache()
        finally:
            connections.close_all()  # this thread's connections only (they are per thread)

    noms = list(taches)
    with ThreadPoolExecutor(max_workers=len(noms) - 1, thread_name_prefix="socle-cote-a-cote") as fils:
        futurs = {nom: fils.submit(dans_un_fil, taches[nom]) for nom in noms[1:]}
        resultats = {noms[0]: taches[noms[0]]()}  # the first one here, in the request's own connection
        resultats.update({nom: f.result() for nom, f in futurs.items()})
    return {nom: resultats[nom] for nom in noms}
