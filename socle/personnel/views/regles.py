"""The OG's RPPS+ settings: its organisation, the métier → rôle table, the registration rules."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from socle.comptes import rights

from .. import export as exp
from .. import rules, services
from ..forms import MetierFormSet, OrganisationForm, RegleForm
from ..models import MetierRole, OrganisationRpps, RegleEnregistrement
from ._commun import GESTION, _og


@login_required
def organisme(request: HttpRequest, finess: str) -> HttpResponse:
    og = _og(request, finess)
    rules.preremplir_organisme(og)
    org, _ = OrganisationRpps.objects.get_or_create(organisme=og)
    form = OrganisationForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Organisation RPPS+ enregistrée.")
        return redirect("personnel:organisme", finess=og.finess)
    ets = rights.etablissements_visibles(request.user, GESTION).filter(organisme=og).order_by("nom")
    gestion = []
    for et in ets:
        g = services.gestionnaires_rpps(et)
        gestion.append((et, g, services.alertes_gestion(et, g)))
    return render(request, "personnel/organisme.html", {
        "og": og, "form": form, "gestion": gestion,
        "imports": og.imports_personnel.all()[:10], "rapprochements": og.rapprochements.all()[:5],
        "gabarit": exp.gabarit_actif(og)})


@login_required
def metiers(request: HttpRequest, finess: str) -> HttpResponse:
    og = _og(request, finess)
    rules.preremplir_organisme(og)
    qs = MetierRole.objects.filter(organisme=og)
    if request.method == "POST" and "reference" in request.POST:
        crees, _ = rules.charger_metiers(og, rules.table_metiers_par_defaut(), "table de référence (grappe 2023-2024)",
                                         remplacer=False)
        messages.success(request, f"{crees} métier(s) de la table de référence ajouté(s) ; vos lignes sont gardées.")
        return redirect("personnel:metiers", finess=og.finess)
    formset = MetierFormSet(request.POST or None, queryset=qs)
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            instances = formset.save(commit=False)
            for obj in formset.deleted_objects:
                obj.delete()
            for obj in instances:
                obj.organisme = og
                obj.source = obj.source or "saisie"
                obj.save()
        messages.success(request, "Table métier → rôle enregistrée.")
        return redirect("personnel:metiers", finess=og.finess)
    return render(request, "personnel/metiers.html", {"og": og, "formset": formset})


@login_required
def regles(request: HttpRequest, finess: str) -> HttpResponse:
    og = _og(request, finess)
    regle, _ = RegleEnregistrement.objects.get_or_create(organisme=og)
    form = RegleForm(request.POST or None, instance=regle)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Règles d'enregistrement enregistrées : les statuts sont recalculés.")
        return redirect("personnel:regles", finess=og.finess)
    return render(request, "personnel/regles.html", {"og": og, "form": form})
