"""Bulk work on many small objects without the cyclic garbage collector.

Reading tens of thousands of rows as tuples (a regional grappe's dashboard) or encoding every identity of a file
(duplicate search) makes only acyclic objects; the collector would rescan them again and again for nothing (a
third of the time, and its pauses make the timings erratic). Reference counting still frees them."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def sans_ramasse_miettes() -> Iterator[None]:
    """Pause the cyclic collector for the block (it was on: back on after, even on error)."""
    actif = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if actif:
            gc.enable()
