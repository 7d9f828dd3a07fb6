"""Background work of the staff registry: analysis and commit of large HR files (queue "imports")."""

import logging
from datetime import timedelta

from django.conf import settings
from django.tasks import task

from .importer import FichierIllisible, ImportRefuse, analyser, importer
from .models import ImportPersonnel

logger = logging.getLogger(__name__)


def executer_import(imp: ImportPersonnel, valider: bool, utilisateur=None) -> ImportPersonnel:
    """Dry run (valider=False) or commit of a stored upload; the outcome goes in `imp.rapport`. The one path
    for the screen (at once, or through the worker for large files) and `socle import-staff`.

    Reading and analysis happen before (outside) the single write transaction of `importer`. The job always
    ends in a final status, never stuck "en analyse"; once the import is committed or refused (unreadable file,
    a limit, blocking errors) the uploaded file is deleted: only its name and the report remain."""
    S = ImportPersonnel.Statut
    en_cours = S.EN_COURS if valider else S.EN_ANALYSE
    if imp.statut != en_cours:  # the screen already moved a large file's job before handing it to the worker
        imp.passer(en_cours)
    mapping = imp.mapping.correspondances if imp.mapping else None
    format_date = imp.mapping.format_date if imp.mapping else "%d/%m/%Y"
    try:
        try:
            contenu = imp.lire_contenu()
        except FileNotFoundError as exc:
            raise FichierIllisible("le fichier déposé n'est plus disponible (import déjà terminé ou refusé) : "
                                   "déposez-le à nouveau") from exc
        if valider:
            analyse, resultat = importer(contenu, imp.nom_fichier, imp.organisme, mapping, format_date,
                                         utilisateur=utilisateur or imp.cree_par)
            rapport = {**analyse.rapport(), "resultat": {k: v for k, v in resultat.items() if k != "ids"}}
            final = S.IMPORTE
        else:
            analyse = analyser(contenu, imp.nom_fichier, imp.organisme, mapping, format_date)
            rapport = analyse.rapport()
            final = S.A_CORRIGER if analyse.bloquants else S.ANALYSE
    except ImportRefuse as exc:
        rapport, final = {**exc.analyse.rapport(), "refus": str(exc)}, S.A_CORRIGER
    except FichierIllisible as exc:
        rapport, final = {"fichier": str(exc)}, S.ECHEC
    except Exception as exc:  # noqa: BLE001 - any failure ends in a visible status, not a run stuck "en analyse"
        logger.exception("Import du personnel n° %s", imp.pk)
        rapport = {"fichier": f"erreur inattendue pendant la lecture ou l'import ({type(exc).__name__}) ; "
                              "déposez le fichier à nouveau, ou signalez-le à l'administrateur de Socle"}
        final = S.ECHEC
    imp.passer(final, rapport=rapport)
    if imp.statut != S.ANALYSE or imp.rapport.get("bloquants"):
        imp.effacer_fichier()  # committed or refused: nothing left to commit, keep no content
    return imp


def echouer_bloques(delai: timedelta | None = None) -> int:
    """Staff imports whose worker died end « Refusé » with what to do, instead of staying « en cours »."""
    message = ("le traitement s'est arrêté sans finir (processus interrompu) : rien n'a été enregistré, "
               "déposez le fichier à nouveau")
    clos = ImportPersonnel.clore_bloques(ImportPersonnel.Statut.ECHEC,
                                         lambda imp: {"rapport": {**imp.rapport, "fichier": message}}, delai)
    for imp in clos:
        imp.effacer_fichier()
    return len(clos)


@task(queue_name="imports")
def traiter_import(import_id: int, valider: bool) -> str:
    imp = ImportPersonnel.objects.select_related("organisme", "mapping", "cree_par").get(pk=import_id)
    executer_import(imp, valider)
    return imp.statut


def seuil_tache() -> int:
    """Files with more data rows than this run as a background task from the screen."""
    return getattr(settings, "PERSONNEL_IMPORT_SEUIL_TACHE", 1500)


@task(queue_name="imports")
def rapprocher_annuaire_tache(organisme_id: int, chemin: str, nom_fichier: str, utilisateur_id: int | None) -> dict:
    """Reconciliation of a large Annuaire extract uploaded from the screen; the file is removed afterwards."""
    from pathlib import Path

    from socle.comptes.models import Utilisateur
    from socle.organisations.models import OrganismeGestionnaire

    from .services import rapprocher_annuaire

    og = OrganismeGestionnaire.objects.get(pk=organisme_id)
    utilisateur = Utilisateur.objects.filter(pk=utilisateur_id).first()
    try:
        run = rapprocher_annuaire(Path(chemin), og, nom_fichier=nom_fichier, utilisateur=utilisateur)
    except ValueError as exc:  # AnnuaireInvalide: keep the refusal for the screen
        from .models import RapprochementAnnuaire

        run = RapprochementAnnuaire.objects.create(organisme=og, nom_fichier=nom_fichier, cree_par=utilisateur,
                                                   resume={"erreur": f"Fichier refusé : {exc}"})
    finally:
        Path(chemin).unlink(missing_ok=True)
    return run.resume
