"""Records: the list and search, creation after the search for an existing identity, the record, its
attributes and stays."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from socle.audit.models import Action
from socle.audit.services import tracer, tracer_lecture_liste
from socle.comptes import rights
from socle.connecteurs.insi.lecteur import lecteur_configure

from .. import rniv, services
from ..forms import AttributsForm, CreationForm, TraitsForm
from ..models import Statut, Usager
from ._commun import (
    FONCTIONS_DOSSIER,
    FONCTIONS_LOT,
    _contexte_fiche,
    _ets_dossier,
    _exiger_dossier,
    _usager,
    _usager_modifiable,
)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    ets = _ets_dossier(request.user)
    if not ets.exists():
        # The menu shows "Usagers & INS" to the représentant légal: send people without access to records to
        # what they may see (INSi batches, then the aggregated identity dashboard) rather than to a bare 403.
        if rights.etablissements_visibles(request.user, fonctions=FONCTIONS_LOT).exists():
            return redirect("usagers:lots")
        if rights.etablissements_visibles(request.user).exists():
            return redirect("usagers:tableau")
        ets = _exiger_dossier(request)  # refused, with the reason
    finess = request.GET.get("etablissement", "")
    q = request.GET.get("q", "").strip()
    statut = request.GET.get("statut", "")
    selection = ets.filter(finess=finess) if finess else ets
    qs = services.usagers_de(selection).select_related("organisme")
    texte, naissance = services.critere_recherche(q)
    if naissance is not None:
        qs = qs.filter(date_naissance=naissance)
    if texte:
        f = rniv.formater_nom(texte)
        qs = qs.filter(Q(nom_naissance__startswith=f) | Q(nom_utilise__startswith=f) | Q(prenoms_naissance__contains=f)
                       | Q(matricule_ins__startswith=texte))
    if statut in Statut.values:
        qs = qs.filter(statut=statut)
    total = qs.count()
    usagers = list(qs.order_by("nom_naissance", "premier_prenom", "pk")[:200])
    tracer_lecture_liste(usagers, "usagers.Usager", f"Liste des usagers {finess or 'tous ESMS'} {q}".strip())
    return render(request, "usagers/index.html", {
        "usagers": usagers, "total": total, "etablissements": ets.order_by("nom"), "etablissement": finess, "q": q,
        "statut": statut, "statuts": Statut.choices,
        "peut_lot": rights.etablissements_visibles(request.user, fonctions=FONCTIONS_LOT).exists()})


@login_required
def nouveau(request: HttpRequest) -> HttpResponse:
    """Create an identity, after the RNIV search for an existing one (same birth date in the OG) to avoid
    creating a duplicate; the user confirms when the people listed are not the person."""
    ets = _exiger_dossier(request).order_by("nom")
    form = CreationForm(request.POST or None, etablissements=ets,
                        initial={"date_admission": timezone.localdate(), "etablissement": ets.first()})
    existants, autres_esms = [], 0
    if request.method == "POST" and form.is_valid():
        et = form.cleaned_data["etablissement"]
        rights.exiger_fonction(request.user, *FONCTIONS_DOSSIER, etablissement=et)
        traits = {k: form.cleaned_data[k] for k in TraitsForm.base_fields}
        nes_ce_jour = Usager.objects.filter(organisme=et.organisme, fusionne_dans__isnull=True,
                                            date_naissance=traits["date_naissance"])
        # Names only of people followed in an ESMS she may see; elsewhere in the OG, only how many.
        visibles = nes_ce_jour.filter(pk__in=services.usagers_de(ets).values("pk"))
        existants = list(visibles.prefetch_related("sejours__etablissement")[:50])
        autres_esms = nes_ce_jour.exclude(pk__in=visibles.values("pk")).count()
        if (existants or autres_esms) and not request.POST.get("confirmer"):
            tracer_lecture_liste(existants, "usagers.Usager", "Recherche d'antériorité avant création")
        else:
            try:
                u = services.creer_usager(et.organisme, et, traits, user=request.user,
                                          date_admission=form.cleaned_data["date_admission"],
                                          admission_directe_ehpad=form.cleaned_data["admission_directe_ehpad"])
            except rniv.RegleRniv as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Usager créé avec une identité provisoire.")
                return redirect("usagers:qualifier", pk=u.pk)
    return render(request, "usagers/nouveau.html", {"form": form, "existants": existants,
                                                    "autres_esms": autres_esms, "etablissements": ets,
                                                    "cartes": lecteur_configure().cartes()})


@login_required
def fiche(request: HttpRequest, pk: int) -> HttpResponse:
    ets = _ets_dossier(request.user)
    usager = _usager(request, pk, ets)
    tracer(Action.LECTURE, objet=usager)
    ctx = _contexte_fiche(usager)
    ctx["ets_admission"] = ets.filter(organisme=usager.organisme).order_by("nom")
    ctx["attributs_form"] = AttributsForm(initial={"douteuse": usager.douteuse, "fictive": usager.fictive,
                                                   "homonyme": usager.homonyme})
    return render(request, "usagers/fiche.html", ctx)


@login_required
@require_POST
def attributs(request: HttpRequest, pk: int) -> HttpResponse:
    usager = _usager_modifiable(request, pk)
    form = AttributsForm(request.POST)
    if form.is_valid():
        try:
            services.definir_attributs(usager, user=request.user, **form.cleaned_data)
            messages.success(request, "Attributs enregistrés.")
        except rniv.RegleRniv as exc:
            messages.error(request, str(exc))
    return redirect("usagers:fiche", pk=usager.pk)


@login_required
@require_POST
def sejour_ajouter(request: HttpRequest, pk: int) -> HttpResponse:
    usager = _usager_modifiable(request, pk)
    et = get_object_or_404(_ets_dossier(request.user), pk=request.POST.get("etablissement") or 0)
    try:
        d = date.fromisoformat(request.POST.get("date_admission", ""))
        services.ajouter_sejour(usager, et, d, user=request.user)
    except ValueError:
        messages.error(request, "Date d'admission invalide (JJ/MM/AAAA).")
    except rniv.RegleRniv as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Admission enregistrée : {et.nom}.")
    return redirect("usagers:fiche", pk=usager.pk)


@login_required
@require_POST
def sejour_sortie(request: HttpRequest, pk: int, sejour_pk: int) -> HttpResponse:
    usager = _usager_modifiable(request, pk)
    sejour = get_object_or_404(usager.sejours.filter(etablissement__in=_ets_dossier(request.user)), pk=sejour_pk)
    try:
        d = date.fromisoformat(request.POST.get("date_sortie", ""))
        services.enregistrer_sortie(sejour, d, user=request.user)
    except ValueError:
        messages.error(request, "Date de sortie invalide (JJ/MM/AAAA).")
    except rniv.RegleRniv as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Sortie enregistrée.")
    return redirect("usagers:fiche", pk=usager.pk)
