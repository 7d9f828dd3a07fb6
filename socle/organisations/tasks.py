"""Background FINESS import (national files take minutes): run by `socle worker` on the "imports" queue."""

from datetime import timedelta
from pathlib import Path

from django.tasks import task
from django.utils import timezone

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.core.fichiers import FichierRefuse
from socle.core.travaux import TransitionInterdite

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
    """Show the current pass on the status page, as a sign of life (a one-row update, no long transaction)."""
    def etape(message: str) -> None:
        ImportFiness.objects.filter(pk=run.pk).update(message=message, battement=timezone.now())
    return etape


def lancer_import(*, par=None, fichier=None, chemin: str | Path | None = None, options: dict | None = None,
                  en_arriere_plan: bool = True) -> ImportFiness:
    """The FINESS import use case, for the screen (an uploaded `fichier`, run by the worker) and the command (a
    `chemin` on the server's disk, run at once): one ImportFiness record and one audit event either way.
    `options["organismes_autorises"]` is what the launcher may change (None: the whole installation)."""
    options = dict(options or {})
    if chemin is not None:
        options["chemin"] = str(Path(chemin).resolve())
    nom = (fichier.name if fichier is not None else Path(chemin).name)[:255]
    run = ImportFiness.objects.create(fichier=fichier or "", nom_fichier=nom, lance_par=par, options=options)
    tracer(Action.IMPORT, objet=run, utilisateur=par, details={"options": run.options})
    if en_arriere_plan:
        importer_finess.enqueue(run.pk)
        return run
    return executer_import(run.pk)


def executer_import(import_id: int) -> ImportFiness:
    """Run one ImportFiness and store its summary. A run another process already took, or one already
    finished, is left alone (TransitionInterdite): a job never runs twice."""
    run = ImportFiness.objects.get(pk=import_id)
    try:
        run.passer(ImportFiness.Statut.EN_COURS)
    except TransitionInterdite:
        return run
    opts = run.options or {}
    chemin = opts.get("chemin") or run.fichier.path
    try:
        # What the launcher may change was fixed at launch (the screen checks her rights); a run without that
        # record changes nothing.
        autorises = opts.get("organismes_autorises", [])
        autorises = None if autorises is None else set(autorises)
        confirmer = bool(opts.get("confirmer_rattachements")) and autorises is None
        res = importer(chemin, departements=opts.get("departements"), categories=opts.get("categories"),
                       dry_run=bool(opts.get("dry_run")), ignorer_rejets=bool(opts.get("ignorer_rejets")),
                       anomalies=not opts.get("sans_anomalies"), progression=opts.get("progression", False),
                       organismes_autorises=autorises, confirmer_rattachements=confirmer, etape=_etape(run))
    except (FormatInconnu, FichierRefuse) as exc:  # refused before anything was written: the file is useless
        if run.fichier:
            run.fichier.delete(save=False)
        run.passer(ImportFiness.Statut.ERREUR, message=f"Fichier refusé : {exc}", fichier=run.fichier.name or "")
        return run
    except EcritureInterrompue as exc:
        run.passer(ImportFiness.Statut.ERREUR, message=f"Import interrompu : {exc}")
        tracer_rattachements(exc.resultat, run.lance_par, source=f"import FINESS n° {run.pk} (interrompu)")
        raise
    except Exception as exc:  # noqa: BLE001 - any failure must end in a visible status, not a stuck run
        run.passer(ImportFiness.Statut.ERREUR, message=f"Erreur inattendue pendant l'import : {exc}")
        raise
    donnees = res.as_dict()
    compteurs = {k: donnees[k] for k in ("format", "ej", "et", "grappes", "hors_perimetre", "hors_droits",
                                         "rattachements", "applique", "dry_run", "anomalies_par_code",
                                         "categories_obsoletes", "categories_hors_nomenclature",
                                         "groupements_ignores", "membres_absents")}
    for cle in ("hors_droits", "rattachements", "groupements_ignores", "membres_absents"):
        compteurs[f"nb_{cle}"] = len(compteurs[cle])
    compteurs = {k: _plafonner(v) for k, v in compteurs.items()}
    compteurs["anomalies"] = donnees["anomalies"]
    compteurs["nb_rejets"] = donnees["nb_rejets"]
    compteurs["rejets_par_motif"] = donnees["rejets_par_motif"]
    if res.applique:
        tracer_rattachements(res, run.lance_par, source=f"import FINESS n° {run.pk}")
    annule = res.rejets and not opts.get("ignorer_rejets")
    run.passer(ImportFiness.Statut.REJETE if annule else ImportFiness.Statut.TERMINE, compteurs=compteurs,
               rejets=donnees["rejets"],  # the first SOCLE_FINESS_MAX_REJETS_DETAIL only
               resume=res.lignes(), message="")
    return run


def echouer_bloques(delai: timedelta | None = None) -> int:
    """Imports whose worker died (no sign of life for `delai`) end in « Erreur » with what to do, instead of
    staying « En cours » forever. Called by the status page, `socle reminders` and `socle travaux-bloques`."""
    return len(ImportFiness.clore_bloques(ImportFiness.Statut.ERREUR, lambda run: {"message": (
        "Le traitement s'est arrêté sans finir (processus interrompu). Relancez l'import du même fichier : "
        "il reprend sans rien doubler.")}, delai))


def tracer_rattachements(res, utilisateur, *, source: str) -> None:
    """One audit event per ESMS moved to another organisation: who confirmed it, from which file."""
    for r in res.rattachements:
        tracer(Action.MODIFICATION, objet_type="organisations.Etablissement", objet_id=r["finess"],
               libelle=f"Rattachement de l'ET {r['finess']}", utilisateur=utilisateur,
               details={"rattachement": r, "source": source})


@task(queue_name="imports")
def importer_finess(import_id: int) -> str:
    return executer_import(import_id).statut
