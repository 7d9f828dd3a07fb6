"""Background FINESS import (national files take minutes): run by `socle worker` on the "imports" queue."""

from django.tasks import task
from django.utils import timezone

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.core.fichiers import FichierRefuse

from .finess_import import EcritureInterrompue, FormatInconnu, importer
from .models import ImportFiness

MAX_DETAIL = 1000  # entries kept per list in `compteurs` (the counts are kept whole): the status page stays small


def _plafonner(valeur):
    if isinstance(valeur, list):
        return valeur[:MAX_DETAIL]
    if isinstance(valeur, dict) and len(valeur) > MAX_DETAIL:
        return dict(sorted(valeur.items(), key=lambda kv: -kv[1] if isinstance(kv[1], int) else 0)[:MAX_DETAIL])
    return valeur


def _etape(run: ImportFiness):
    """Show the current pass on the status page (a one-row update: no long write transaction)."""
    def etape(message: str) -> None:
        ImportFiness.objects.filter(pk=run.pk).update(message=message)
    return etape


def executer_import(import_id: int) -> ImportFiness:
    """Run one ImportFiness and store its summary; plain function so tests and the task share it."""
    run = ImportFiness.objects.get(pk=import_id)
    run.statut = ImportFiness.Statut.EN_COURS
    run.debut = timezone.now()
    run.save(update_fields=["statut", "debut"])
    opts = run.options or {}
    try:
        # What the launcher may change was fixed at launch (the screen checks her rights); a run without that
        # record changes nothing.
        autorises = opts.get("organismes_autorises", [])
        autorises = None if autorises is None else set(autorises)
        confirmer = bool(opts.get("confirmer_rattachements")) and autorises is None
        res = importer(run.fichier.path, departements=opts.get("departements"), categories=opts.get("categories"),
                       dry_run=bool(opts.get("dry_run")), ignorer_rejets=bool(opts.get("ignorer_rejets")),
                       progression=False, organismes_autorises=autorises, confirmer_rattachements=confirmer,
                       etape=_etape(run))
    except (FormatInconnu, FichierRefuse) as exc:  # refused before anything was written: the file is useless
        run.statut, run.message = ImportFiness.Statut.ERREUR, f"Fichier refusé : {exc}"
        run.fichier.delete(save=False)
    except EcritureInterrompue as exc:
        run.statut, run.message = ImportFiness.Statut.ERREUR, f"Import interrompu : {exc}"
        tracer_rattachements(exc.resultat, run.lance_par, source=f"import FINESS n° {run.pk} (interrompu)")
        run.fin = timezone.now()
        run.save()
        raise
    except Exception as exc:  # noqa: BLE001 - any failure must end in a visible status, not a stuck run
        run.statut, run.message = ImportFiness.Statut.ERREUR, f"Erreur inattendue pendant l'import : {exc}"
        run.fin = timezone.now()
        run.save()
        raise
    else:
        donnees = res.as_dict()
        run.compteurs = {k: donnees[k] for k in ("format", "ej", "et", "grappes", "hors_perimetre", "hors_droits",
                                                 "rattachements", "applique",
                                                 "dry_run", "anomalies_par_code", "categories_obsoletes",
                                                 "categories_hors_nomenclature", "groupements_ignores",
                                                 "membres_absents")}
        for cle in ("hors_droits", "rattachements", "groupements_ignores", "membres_absents"):
            run.compteurs[f"nb_{cle}"] = len(run.compteurs[cle])
        run.compteurs = {k: _plafonner(v) for k, v in run.compteurs.items()}
        run.compteurs["anomalies"] = donnees["anomalies"]
        run.compteurs["nb_rejets"] = donnees["nb_rejets"]
        run.compteurs["rejets_par_motif"] = donnees["rejets_par_motif"]
        run.rejets = donnees["rejets"]  # the first SOCLE_FINESS_MAX_REJETS_DETAIL only
        run.message = ""
        run.resume = res.lignes()
        if res.applique:
            tracer_rattachements(res, run.lance_par, source=f"import FINESS n° {run.pk}")
        annule = res.rejets and not opts.get("ignorer_rejets")
        run.statut = ImportFiness.Statut.REJETE if annule else ImportFiness.Statut.TERMINE
    run.fin = timezone.now()
    run.save()
    return run


def tracer_rattachements(res, utilisateur, *, source: str) -> None:
    """One audit event per ESMS moved to another organisation: who confirmed it, from which file."""
    for r in res.rattachements:
        tracer(Action.MODIFICATION, objet_type="organisations.Etablissement", objet_id=r["finess"],
               libelle=f"Rattachement de l'ET {r['finess']}", utilisateur=utilisateur,
               details={"rattachement": r, "source": source})


@task(queue_name="imports")
def importer_finess(import_id: int) -> str:
    return executer_import(import_id).statut
