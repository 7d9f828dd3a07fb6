"""One lifecycle for Socle's background jobs (FINESS import, staff import, INS batch).

Every job goes from waiting to running to done or failed. Each job model declares its own statuses in a
`Cycle` built on that skeleton. `passer()` enforces the allowed transitions and sets the start and end
timestamps. It writes through a conditional UPDATE, so two workers, or a screen and a worker, never both take
the same job: the second one gets `TransitionInterdite`. `bloques()` finds running jobs that no process has
touched for a while (a killed worker) so they can be failed with a message instead of staying "en cours"
forever.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class TransitionInterdite(Exception):
    """A job was asked to move to a status its current status does not lead to (or another process moved it
    first)."""


@dataclass(frozen=True)
class Cycle:
    """The allowed moves of one kind of job.

    `en_cours` lists the running statuses (they set the start time), and `finaux` the done or failed ones
    (they set the end time). `debut`, `fin` and `battement` name the model's timestamp fields; an empty string
    means the model has no such field."""

    transitions: dict[str, frozenset[str]]
    en_cours: frozenset[str]
    finaux: frozenset[str]
    debut: str = "debut"
    fin: str = "fin"
    battement: str = ""
    champ: str = "statut"
    libelles: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for de, vers in self.transitions.items():
            if de in self.finaux and vers:
                raise ValueError(f"Statut final « {de} » avec des transitions sortantes")

    def predecesseurs(self, vers: str) -> frozenset[str]:
        return frozenset(de for de, suivants in self.transitions.items() if vers in suivants)

    def verifier(self, de: str, vers: str) -> None:
        if vers not in self.transitions.get(de, frozenset()):
            raise TransitionInterdite(
                f"Passage interdit de « {self.libelles.get(de, de)} » à « {self.libelles.get(vers, vers)} »")


def cycle(transitions: dict[Any, Iterable[Any]], *, en_cours: Iterable[Any], finaux: Iterable[Any],
          **options: Any) -> Cycle:
    """Build a Cycle from TextChoices members (stored as their values)."""
    return Cycle(transitions={str(de): frozenset(str(v) for v in vers) for de, vers in transitions.items()},
                 en_cours=frozenset(str(e) for e in en_cours), finaux=frozenset(str(f) for f in finaux),
                 **options)


class AvecCycle(models.Model):
    """Mixin for a job model: declare `CYCLE` and move only through `passer()`."""

    CYCLE: Cycle

    class Meta:
        abstract = True

    def passer(self, vers: str, **champs: Any) -> None:
        """Move to `vers` (and save `champs` in the same UPDATE), or raise TransitionInterdite."""
        c = self.CYCLE
        vers = str(vers)
        actuel = getattr(self, c.champ)
        c.verifier(actuel, vers)
        maintenant = timezone.now()
        valeurs = {c.champ: vers, **champs}
        if vers in c.en_cours and c.debut and not getattr(self, c.debut, None):
            valeurs[c.debut] = maintenant
        if vers in c.en_cours and c.battement:
            valeurs[c.battement] = maintenant
        if vers in c.finaux and c.fin:
            valeurs[c.fin] = maintenant
        pris = type(self)._default_manager.filter(pk=self.pk, **{c.champ: actuel}).update(**valeurs)
        if not pris:
            raise TransitionInterdite(f"{self} a changé d'état entre-temps (un autre processus l'a pris)")
        for nom, valeur in valeurs.items():
            setattr(self, nom, valeur)

    def signe_de_vie(self) -> None:
        """A running job says it is alive (after each batch of work), so `bloques()` does not take it."""
        c = self.CYCLE
        if c.battement:
            maintenant = timezone.now()
            type(self)._default_manager.filter(pk=self.pk).update(**{c.battement: maintenant})
            setattr(self, c.battement, maintenant)

    @property
    def fini(self) -> bool:
        return getattr(self, self.CYCLE.champ) in self.CYCLE.finaux

    @classmethod
    def bloques(cls, delai: timedelta) -> models.QuerySet:
        """Running jobs with no sign of life for `delai`: their worker died."""
        c = cls.CYCLE
        repere = c.battement or c.debut
        limite = timezone.now() - delai
        return cls._default_manager.filter(**{f"{c.champ}__in": c.en_cours, f"{repere}__lt": limite})

    @classmethod
    def clore_bloques(cls, vers: str, champs: Callable[[Any], dict], delai: timedelta | None = None,
                      libre: Callable[[Any], bool] | None = None) -> list:
        """Close the jobs stuck for `delai` (default SOCLE_TRAVAIL_DELAI_BLOQUE minutes): each moves to `vers`
        with `champs(job)` (the message saying what to do), unless `libre(job)` says a live process still holds
        it or another process moved it first. Returns the jobs closed."""
        if delai is None:
            delai = timedelta(minutes=getattr(settings, "SOCLE_TRAVAIL_DELAI_BLOQUE", 15))
        clos = []
        for job in cls.bloques(delai):
            if libre is not None and not libre(job):
                continue
            try:
                job.passer(vers, **champs(job))
            except TransitionInterdite:
                continue
            clos.append(job)
        return clos
