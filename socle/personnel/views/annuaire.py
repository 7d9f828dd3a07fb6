"""Reconciliation with the Annuaire Santé extract: upload (large files in the background), report,
decisions."""

import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from socle.audit.models import Action
from socle.audit.services import tracer, tracer_lecture_liste

from .. import services
from ..forms import FichierForm
from ..models import RapprochementAnnuaire, ResultatRapprochement
from ..tasks import rapprocher_annuaire_tache
from ._commun import _og

SEUIL_ANNUAIRE_TACHE = 20 * 1024 * 1024  # bytes: larger Annuaire extracts are reconciled by the worker


@login_required
def annuaire(request: HttpRequest, finess: str) -> HttpResponse:
    og = _og(request, finess)
    form = FichierForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["fichier"]
        dossier = Path(settings.MEDIA_ROOT) / "annuaire"
        dossier.mkdir(parents=True, exist_ok=True)
        suffix = ".zip" if f.name.lower().endswith(".zip") else ".txt"
        with tempfile.NamedTemporaryFile(dir=dossier, suffix=suffix, delete=False) as out:
            for chunk in f.chunks():
                out.write(chunk)
        if f.size > SEUIL_ANNUAIRE_TACHE:
            rapprocher_annuaire_tache.enqueue(og.pk, out.name, f.name, request.user.pk)
            messages.info(request, "Fichier volumineux : le rapprochement se poursuit en arrière-plan ; rechargez "
                                   "cette page dans quelques minutes.")
            return redirect("personnel:annuaire", finess=og.finess)
        try:
            run = services.rapprocher_annuaire(Path(out.name), og, nom_fichier=f.name, utilisateur=request.user)
        except ImportError:
            messages.error(request, "Le moteur de rapprochement avec l'Annuaire Santé n'est pas installé.")
            return redirect("personnel:annuaire", finess=og.finess)
        except ValueError as exc:  # AnnuaireInvalide: the file is not a readable extract
            messages.error(request, f"Fichier refusé : {exc}")
            return redirect("personnel:annuaire", finess=og.finess)
        finally:
            Path(out.name).unlink(missing_ok=True)
        messages.success(request, "Rapprochement terminé : " + ", ".join(f"{k.replace('_', ' ')} {v}"
                                                                          for k, v in run.resume.items()))
        return redirect("personnel:annuaire", finess=og.finess)
    run = RapprochementAnnuaire.objects.filter(organisme=og).first()
    groupes = {}
    if run is not None:
        resultats = list(run.resultats.select_related("professionnel"))
        tracer_lecture_liste([r.professionnel for r in resultats if r.professionnel], "personnel.Professionnel",
                             f"Rapprochement Annuaire — {og.raison_sociale}", request=request,
                             details={"rapprochement": run.pk, "resultats": [r.pk for r in resultats]})
        for t in ResultatRapprochement.Type:
            groupes[t.label] = [r for r in resultats if r.type == t]
    return render(request, "personnel/annuaire.html", {"og": og, "form": form, "run": run, "groupes": groupes})


@login_required
def annuaire_csv(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(RapprochementAnnuaire.objects.select_related("organisme"), pk=pk)
    _og(request, run.organisme.finess)
    tracer(Action.EXPORT, objet=run.organisme, request=request, libelle=f"Rapprochement Annuaire — {run}",
           details={"rapprochement": run.pk})
    response = HttpResponse(services.rapport_csv(run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rapprochement_annuaire_{run.pk}.csv"'
    return response


@login_required
@require_POST
def decider(request: HttpRequest, pk: int) -> HttpResponse:
    r = get_object_or_404(ResultatRapprochement.objects.select_related("rapprochement__organisme", "professionnel"),
                          pk=pk)
    og = _og(request, r.rapprochement.organisme.finess)
    try:
        msg = services.decider(r, request.POST.get("decision") == "confirmer", request.POST.get("rpps", ""),
                               utilisateur=request.user)
    except ValueError as exc:
        messages.error(request, f"Décision impossible : {exc}")
    else:
        messages.success(request, msg)
    return redirect("personnel:annuaire", finess=og.finess)
