"""Exclusive locks between processes, possibly on several machines, that die with their holder.

A job that must not run twice at the same time (one INS batch) takes `verrou_exclusif(nom)`; a second process
asking for the same name gets False at once and leaves the job to the holder. The lock lives as long as the
holding process: on PostgreSQL a session-level advisory lock held on a connection of its own (released when the
process exits or is killed, on any machine); on SQLite, which is single-machine, an flock on a file of the data
folder (released by the kernel when the process dies). So a job left behind by a killed worker can be taken
again at once, while a job still running elsewhere never is.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections


def _cle(nom: str) -> int:
    """A signed 64-bit advisory-lock key for `nom`."""
    return int.from_bytes(hashlib.blake2b(f"socle:{nom}".encode(), digest_size=8).digest(), "big", signed=True)


@contextmanager
def _verrou_postgresql(nom: str, alias: str) -> Iterator[bool]:
    dediee = connections.create_connection(alias)  # its own session: the caller's transactions don't matter
    try:
        with dediee.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [_cle(nom)])
            pris = bool(cur.fetchone()[0])
        yield pris
        if pris:
            with dediee.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [_cle(nom)])
    finally:
        dediee.close()


@contextmanager
def _verrou_fichier(nom: str) -> Iterator[bool]:
    import fcntl

    dossier = Path(settings.DATA_DIR) / "verrous"
    dossier.mkdir(mode=0o700, exist_ok=True)
    fd = os.open(dossier / f"{hashlib.sha256(nom.encode()).hexdigest()[:32]}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def verrou_exclusif(nom: str, alias: str = DEFAULT_DB_ALIAS) -> Iterator[bool]:
    """`with verrou_exclusif("lot-ins-12") as pris:` — pris is False when another live process holds it."""
    if connections[alias].vendor == "postgresql":
        with _verrou_postgresql(nom, alias) as pris:
            yield pris
    else:
        with _verrou_fichier(nom) as pris:
            yield pris
