"""The import itself, in three passes: read and check, check the writes (rolled back), write by batches."""

from __future__ import annotations

import copy
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from django.db import transaction
from tqdm import tqdm

from socle.core.fichiers import FichierRefuse, reglage, taille_lisible

from ..models import OrganismeGestionnaire
from .csv_etalab import _lots_csv
from .ecriture import _Ecrivain, _Lot
from .json_flux import _lots_json
from .lecture import detecter_format, limites_decompression, ouvrir
from .perimetre import Perimetre
from .resultat import Resultat

MAX_ANOMALIES_DETAIL = 2000


class EcritureInterrompue(RuntimeError):
    """Pass 3 failed after some batches were committed; the message says how to complete the import.
    `resultat`: the summary of what was written until then."""

    def __init__(self, message: str, resultat: Resultat):
        super().__init__(message)
        self.resultat = resultat


class _Annuler(Exception):
    """Raised inside the transaction to roll everything back (rejects or dry run)."""


class _Bobine:
    """The batches checked by pass 1, spooled to a private temporary file: passes 2 and 3 apply exactly what
    was checked, without reading and checking the file again."""

    def __init__(self) -> None:
        self.fichier = tempfile.TemporaryFile()
        self.nombre = 0

    def ajouter(self, lot: _Lot) -> None:
        pickle.dump(lot, self.fichier, protocol=pickle.HIGHEST_PROTOCOL)
        self.nombre += 1

    def lots(self) -> Iterator[_Lot]:
        self.fichier.seek(0)
        for _ in range(self.nombre):
            yield pickle.load(self.fichier)  # noqa: S301 - our own file, written just before

    def close(self) -> None:
        self.fichier.close()


def importer(
    chemin: str | os.PathLike,
    *,
    departements: Iterable[str] | None = None,
    categories: Iterable[str] | None = None,
    dry_run: bool = False,
    ignorer_rejets: bool = False,
    anomalies: bool = True,
    progression: bool | None = None,
    organismes_autorises: set[str] | None = None,
    confirmer_rattachements: bool = False,
    etape: Callable[[str], Any] | None = None,
) -> Resultat:
    """Import one FINESS file; returns the summary. Nothing is written when a record is rejected (unless
    `ignorer_rejets`) or with `dry_run`. `progression`: show a tqdm bar on stderr (default: if a TTY).
    `organismes_autorises`: FINESS EJ the importer may change (None: installation-wide, see `_Ecrivain`).
    `etape(message)`: told, in French, when a pass starts (the background task shows it on the status page).

    Raises FormatInconnu or FichierRefuse (a limit, named in the message) before anything is written, and
    EcritureInterrompue if pass 3 fails after some batches were committed."""
    chemin = Path(chemin)
    etape = etape or (lambda message: None)
    res = Resultat(dry_run=dry_run)
    perimetre = Perimetre.de(departements, categories)
    limites = limites_decompression()
    taille = chemin.stat().st_size
    max_fichier = reglage("SOCLE_FINESS_MAX_FICHIER")
    if taille > max_fichier:
        raise FichierRefuse(f"le fichier dépasse {taille_lisible(max_fichier)} (limite SOCLE_FINESS_MAX_FICHIER)")
    if progression is None:
        progression = sys.stderr.isatty()
    barre = tqdm(total=taille, unit="o", unit_scale=True, desc="Import FINESS", file=sys.stderr,
                 disable=not progression, leave=False)

    bobine = _Bobine()

    def lots(passe: str) -> Iterator[_Lot]:
        barre.reset(total=bobine.nombre)
        barre.set_description(f"Import FINESS ({passe})")
        for lot in bobine.lots():
            yield lot
            barre.update(1)

    try:
        with ouvrir(chemin, limites=limites) as flux:
            format_ = detecter_format(flux.peek(512)[:512])
        res.format = "flux JSON « structures »" if format_ == "json" else "CSV etalab"

        # Pass 1: read and check every record; no transaction, nothing written.
        etape("Lecture et vérification du fichier (rien n'est encore écrit)…")
        lecture = _lots_json if format_ == "json" else _lots_csv
        for lot in lecture(chemin, perimetre, res, limites, barre.update):
            bobine.ajouter(lot)
        nb_lots = bobine.nombre
        if res.rejets and not ignorer_rejets:
            return res

        # Pass 2: the checks made while writing, batch by batch, each rolled back at once. Also the dry run.
        if dry_run or not ignorer_rejets:
            etape("Vérification des écritures lot par lot (chaque lot est annulé aussitôt)…")
            simulation = copy.deepcopy(res)
            ecrivain = _Ecrivain(simulation, organismes_autorises, confirmer_rattachements)
            for lot in lots("vérification"):
                try:
                    with transaction.atomic():
                        lot.appliquer(ecrivain)
                        if dry_run and anomalies:
                            _anomalies(lot.ej, simulation)
                        raise _Annuler
                except _Annuler:
                    pass
            if dry_run or simulation.rejets:
                simulation.applique = False
                return simulation

        # Pass 3: write, one short transaction per batch: a sign-in never waits long on the write lock.
        etape(f"Écriture en cours, par lots ({nb_lots}). Si elle est interrompue, relancez l'import avec le même "
              "fichier : il complète l'écriture sans rien dupliquer (enregistrements repérés par leur numéro "
              "FINESS).")
        ecrivain = _Ecrivain(res, organismes_autorises, confirmer_rattachements)
        og_importes: set[str] = set()
        faits = 0
        for lot in lots("écriture"):
            try:
                with transaction.atomic():
                    lot.appliquer(ecrivain)
            except Exception as exc:
                raise EcritureInterrompue(
                    f"écriture interrompue après {faits} lot(s) enregistré(s) sur {nb_lots} ({exc}). L'import est "
                    "reproductible (enregistrements repérés par leur numéro FINESS) : relancez-le avec le même "
                    "fichier pour terminer l'écriture.", res) from exc
            faits += 1
            og_importes |= lot.ej
        res.applique = True
        if anomalies:
            _anomalies(og_importes, res)
    finally:
        barre.close()
        bobine.close()
    return res


def _anomalies(og_finess: set[str], res: Resultat) -> None:
    """FINESS anomalies of the imported OG (what the chef de projet loads the extract for)."""
    from ..rules import anomalies_organisme

    finess = sorted(og_finess)
    for i in range(0, len(finess), 500):
        for og in OrganismeGestionnaire.objects.filter(finess__in=finess[i:i + 500]).prefetch_related(
                "etablissements").order_by("finess"):
            for a in anomalies_organisme(og):
                res.anomalies_par_code[a.code] = res.anomalies_par_code.get(a.code, 0) + 1
                if len(res.anomalies) < MAX_ANOMALIES_DETAIL:
                    res.anomalies.append({"code": a.code, "gravite": a.libelle_gravite, "organisme": og.finess,
                                          "objet": a.objet, "message": a.message, "destinataire": a.destinataire})
