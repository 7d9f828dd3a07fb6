"""Probable duplicates of an OG, merging, declaring two identities distinct, cancelling a merge."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from socle.audit.services import tracer_lecture_liste
from socle.comptes import rights

from .. import rniv, services
from ..models import Fusion
from ._commun import FONCTIONS_DOSSIER, _ets_dossier, _exiger_droit_usager, _usager


def _organismes_doublons(user):
    return rights.organismes_visibles(user, fonctions=FONCTIONS_DOSSIER)


@login_required
def doublons(request: HttpRequest, finess: str = "") -> HttpResponse:
    ogs = _organismes_doublons(request.user)
    if not ogs.exists():
        raise PermissionDenied("La recherche de doublons est réservée aux fonctions Admission et Professionnel.")
    if not finess:
        if ogs.count() == 1:
            return redirect("usagers:doublons_og", finess=ogs.first().finess)
        return render(request, "usagers/doublons_choix.html", {"organismes": ogs})
    og = get_object_or_404(ogs, finess=finess)
    from ..doublons_wiring import paires_probables

    ets = _ets_dossier(request.user).filter(organisme=og)
    paires = paires_probables(services.usagers_de(ets))
    montrees = paires[:300]
    tracer_lecture_liste([u for p in montrees for u in (p["a"], p["b"])], "usagers.Usager",
                         f"Doublons probables — {og.raison_sociale}", organisme=og,
                         details={"ecran": "doublons probables", "paires": len(paires),
                                  "paires_montrees": [[p["a"].pk, p["b"].pk] for p in montrees]})
    return render(request, "usagers/doublons.html", {"og": og, "paires": montrees, "total": len(paires)})


@login_required
@require_POST
def fusion(request: HttpRequest) -> HttpResponse:
    source = _usager(request, int(request.POST.get("source", 0)))
    cible = _usager(request, int(request.POST.get("cible", 0)))
    _exiger_droit_usager(request, source)
    _exiger_droit_usager(request, cible)
    score = request.POST.get("score")
    try:
        services.fusionner(source, cible, user=request.user, motif=request.POST.get("motif", "").strip(),
                           score=float(score) if score else None)
    except rniv.RegleRniv as exc:
        messages.error(request, str(exc))
        return redirect("usagers:doublons_og", finess=source.organisme.finess)
    messages.success(request, "Fusion enregistrée ; elle peut être annulée depuis la fiche.")
    return redirect("usagers:fiche", pk=cible.pk)


@login_required
@require_POST
def distincts(request: HttpRequest) -> HttpResponse:
    a = _usager(request, int(request.POST.get("a", 0)))
    b = _usager(request, int(request.POST.get("b", 0)))
    _exiger_droit_usager(request, a)
    _exiger_droit_usager(request, b)
    try:
        services.declarer_distincts(a, b, user=request.user, motif=request.POST.get("motif", "").strip())
    except rniv.RegleRniv as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Paire écartée : les deux identités sont marquées homonymes.")
    return redirect("usagers:doublons_og", finess=a.organisme.finess)


@login_required
@require_POST
def fusion_annuler(request: HttpRequest, pk: int) -> HttpResponse:
    f = get_object_or_404(Fusion, pk=pk)
    cible = _usager(request, f.cible_id)
    if not _ets_dossier(request.user).filter(sejours__usager=cible).exists() and not request.user.is_superuser:
        raise PermissionDenied("Votre fonction ne permet pas d'annuler cette fusion.")
    try:
        services.annuler_fusion(f, user=request.user, motif=request.POST.get("motif", "").strip())
    except rniv.RegleRniv as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Fusion annulée.")
    return redirect("usagers:fiche", pk=f.source_id)
