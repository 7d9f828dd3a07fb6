from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from socle.comptes import rights
from socle.core.tableur import reponse_tableur
from socle.organisations import rules
from socle.organisations.categories import CATEGORIES
from socle.organisations.models import EtatFiness, ImportFiness
from socle.organisations.tasks import echouer_bloques, lancer_import

from .forms import ImportFinessForm


@login_required
def og_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    qs = rights.organismes_visibles(request.user).annotate(
        nb_et=Count("etablissements", filter=Q(etablissements__etat=EtatFiness.ACTIF), distinct=True))
    if q:
        qs = qs.filter(Q(raison_sociale__icontains=q) | Q(finess__startswith=q) | Q(commune__icontains=q)
                       | Q(etablissements__nom__icontains=q) | Q(etablissements__finess__startswith=q)).distinct()
    return render(request, "organisations/og_list.html", {
        "organismes": qs.order_by("raison_sociale")[:500], "q": q,
        "peut_importer": "importer_finess" in rights.capacites(request.user)})


@login_required
def og_detail(request: HttpRequest, finess: str) -> HttpResponse:
    og = get_object_or_404(rights.organismes_visibles(request.user), finess=finess)
    if request.GET.get("format") in ("csv", "xlsx"):
        return _export_anomalies(request, f"anomalies-finess-{og.finess}", [og])
    etablissements = rights.etablissements_visibles(request.user).filter(organisme=og).order_by("etat", "nom")
    return render(request, "organisations/og_detail.html", {
        "og": og, "etablissements": etablissements, "anomalies": rules.anomalies_organisme(og),
        "grappes": og.grappes.all(),
    })


@login_required
def et_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    cat = request.GET.get("categorie", "")
    qs = rights.etablissements_visibles(request.user).select_related("organisme")
    if q:
        qs = qs.filter(Q(nom__icontains=q) | Q(finess__startswith=q) | Q(commune__icontains=q))
    if cat:
        qs = qs.filter(categorie_code=cat)
    present = sorted(set(rights.etablissements_visibles(request.user).values_list("categorie_code", flat=True)))
    categories = [(c, CATEGORIES[c].sigle or CATEGORIES[c].libelle if c in CATEGORIES else c) for c in present]
    return render(request, "organisations/et_list.html", {
        "etablissements": qs.order_by("nom")[:500], "q": q, "categorie": cat, "categories": categories})


@login_required
def et_detail(request: HttpRequest, finess: str) -> HttpResponse:
    et = get_object_or_404(rights.etablissements_visibles(request.user).select_related("organisme"), finess=finess)
    return render(request, "organisations/et_detail.html", {"et": et})


@login_required
def grappe_list(request: HttpRequest) -> HttpResponse:
    grappes = rights.grappes_visibles(request.user).annotate(nb_og=Count("membres", distinct=True))
    return render(request, "organisations/grappe_list.html", {"grappes": grappes})


@login_required
def grappe_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grappe = get_object_or_404(rights.grappes_visibles(request.user), pk=pk)
    visibles = rights.organismes_visibles(request.user)
    if request.GET.get("format") in ("csv", "xlsx"):
        return _export_anomalies(request, f"anomalies-finess-grappe-{grappe.pk}",
                                 grappe.membres.filter(pk__in=visibles).order_by("raison_sociale"))
    membres = grappe.membres.filter(pk__in=visibles).annotate(
        nb_et=Count("etablissements", filter=Q(etablissements__etat=EtatFiness.ACTIF), distinct=True)
    ).order_by("raison_sociale")
    ets = rights.etablissements_visibles(request.user).filter(organisme__grappes=grappe, etat=EtatFiness.ACTIF)
    par_categorie: dict[str, int] = {}
    for code in ets.values_list("categorie_code", flat=True):
        label = CATEGORIES[code].sigle if code in CATEGORIES and CATEGORIES[code].sigle else code
        par_categorie[label] = par_categorie.get(label, 0) + 1
    anomalies = {og.finess: len(rules.anomalies_organisme(og)) for og in membres}
    return render(request, "organisations/grappe_detail.html", {
        "grappe": grappe, "membres": [(og, anomalies[og.finess]) for og in membres],
        "nb_et": ets.count(), "par_categorie": sorted(par_categorie.items(), key=lambda kv: -kv[1]),
        "etablissements": ets.select_related("organisme").order_by("organisme__raison_sociale", "nom"),
    })


def _export_anomalies(request: HttpRequest, nom: str, organismes) -> HttpResponse:
    """The FINESS anomalies of these OG as a spreadsheet, to send to whoever must correct them."""
    lignes = [[og.finess, og.raison_sociale, a.libelle_gravite, a.objet, a.message, a.destinataire]
              for og in organismes for a in rules.anomalies_organisme(og)]
    return reponse_tableur(nom, request.GET["format"], ["FINESS EJ", "Organisme", "Gravité", "FINESS concerné",
                                                        "Anomalie", "À signaler à"], lignes)


def _imports_visibles(user):
    """An installation administrator sees every FINESS import; a chef de projet only those she launched."""
    rights.perimetre_import_finess(user)
    qs = ImportFiness.objects.select_related("lance_par")
    return qs if user.is_superuser else qs.filter(lance_par=user)


@login_required
def import_finess(request: HttpRequest) -> HttpResponse:
    imports = _imports_visibles(request.user)
    autorises = rights.perimetre_import_finess(request.user)
    admin = request.user.is_superuser
    if request.method == "POST":
        form = ImportFinessForm(request.POST, request.FILES, administrateur=admin)
        if form.is_valid():
            d = form.cleaned_data
            run = lancer_import(par=request.user, fichier=d["fichier"], options={
                "departements": d["departements"], "categories": d["categories"], "dry_run": d["dry_run"],
                "ignorer_rejets": d["ignorer_rejets"],
                "confirmer_rattachements": admin and d.get("confirmer_rattachements", False),
                "organismes_autorises": None if autorises is None else sorted(autorises)})
            return redirect(run)
    else:
        form = ImportFinessForm(administrateur=admin)
    return render(request, "organisations/import_finess.html", {"form": form, "imports": imports[:20]})


@login_required
def import_finess_detail(request: HttpRequest, pk: int) -> HttpResponse:
    echouer_bloques()  # a killed worker's import says so instead of staying « En cours »
    run = get_object_or_404(_imports_visibles(request.user), pk=pk)
    template = "organisations/_import_finess_statut.html" if request.htmx else "organisations/import_finess_detail.html"
    return render(request, template, {"run": run})
