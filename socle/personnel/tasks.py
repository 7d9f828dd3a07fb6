"""Background work of the staff registry: analysis and commit of large HR files (queue "imports")."""

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from .importer import FichierIllisible, ImportRefuse, analyser, importer
from .models import ImportPersonnel


def executer_import(imp: ImportPersonnel, valider: bool, utilisateur=None) -> ImportPersonnel:
    """Dry run (valider=False) or commit of a stored upload; the outcome goes in `imp.rapport`."""
    mapping = imp.mapping.correspondances if imp.mapping else None
    format_date = imp.mapping.format_date if imp.mapping else "%d/%m/%Y"
    contenu = bytes(imp.contenu)
    try:
        if valider:
            analyse, resultat = importer(contenu, imp.nom_fichier, imp.organisme, mapping, format_date,
                                         utilisateur=utilisateur or imp.cree_par)
            imp.rapport = {**analyse.rapport(), "resultat": {k: v for k, v in resultat.items() if k != "ids"}}
            imp.statut = ImportPersonnel.Statut.IMPORTE
        else:
            analyse = analyser(contenu, imp.nom_fichier, imp.organisme, mapping, format_date)
            imp.rapport = analyse.rapport()
            imp.statut = ImportPersonnel.Statut.ANALYSE
    except ImportRefuse as exc:
        imp.rapport = {**exc.analyse.rapport(), "refus": str(exc)}
        imp.statut = ImportPersonnel.Statut.ANALYSE
    except FichierIllisible as exc:
        imp.rapport = {"fichier": str(exc)}
        imp.statut = ImportPersonnel.Statut.ECHEC
    imp.termine_le = timezone.now()
    imp.save(update_fields=["rapport", "statut", "termine_le"])
    return imp


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
