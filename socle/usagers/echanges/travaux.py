"""An import from the screen or the worker: one EchangeDui record moved through its cycle, the uploaded file
kept only while the import may still be committed."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings

from socle.usagers.models import EchangeDui

from .commun import ImportIllisible
from .importer import ImportRefuse, importer

logger = logging.getLogger(__name__)
S = EchangeDui.Statut


def seuil_tache() -> int:
    """Uploaded files larger than this many bytes are read by `socle worker`, not during the request."""
    return int(getattr(settings, "SOCLE_USAGERS_SEUIL_TACHE", 2 * 1024 * 1024))


def effacer_fichier(ech: EchangeDui) -> None:
    if ech.fichier:
        ech.fichier.delete(save=False)
        EchangeDui.objects.filter(pk=ech.pk).update(fichier="")


def executer_import(echange_id: int, valider: bool, utilisateur=None) -> EchangeDui:
    """Dry run (valider=False) or commit of a stored upload; always ends in a final or « simulé » status."""
    ech = EchangeDui.objects.select_related("etablissement__organisme", "cree_par").get(pk=echange_id)
    if ech.statut != S.EN_COURS:
        ech.passer(S.EN_COURS)
    try:
        if not ech.fichier:
            raise ImportIllisible("le fichier déposé n'est plus disponible : déposez-le à nouveau")
        a = importer(
            Path(ech.fichier.path),
            ech.etablissement,
            ech.format or None,
            simulation=not valider,
            user=utilisateur or ech.cree_par,
            nom_fichier=ech.nom_fichier,
        )
        rapport, final = a.rapport(), (S.TERMINE if valider else S.SIMULE)
        ech.format = a.format
    except ImportRefuse as exc:
        rapport, final = {**exc.analyse.rapport(), "refus": str(exc)}, S.REFUSE
    except ImportIllisible as exc:
        rapport, final = {"fichier": str(exc)}, S.REFUSE
    except Exception as exc:  # noqa: BLE001 - a job always ends visibly
        logger.exception("Import DUI n° %s", ech.pk)
        rapport, final = (
            {"fichier": f"erreur inattendue ({type(exc).__name__}) : rien n'a été importé"},
            S.REFUSE,
        )
    ech.passer(final, rapport=rapport, format=ech.format)
    if final != S.SIMULE or (rapport.get("comptes") or {}).get("erreurs"):
        effacer_fichier(ech)  # committed, refused, or blocked: nothing left to commit, keep no content
    return ech
