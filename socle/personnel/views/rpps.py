"""RPPS+ export (per OG, per grappe, its file template) and the return file of the RPPS+ portal."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from socle.audit.services import tracer_lecture_liste
from socle.comptes import rights

from .. import export as exp
from .. import services
from ..forms import FichierForm, RetourPortailForm
from ..importer import FichierIllisible
from ..models import GabaritExport
from ._commun import GESTION, _og


def _reponse_zip(request, ets, nom: str, objet) -> HttpResponse:
    res = exp.exporter_pour(objet, ets, utilisateur=request.user)
    response = HttpResponse(res.zip(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{nom}"'
    return response


@login_required
def export_page(request: HttpRequest, finess: str) -> HttpResponse:
    og = _og(request, finess)
    ets = rights.etablissements_visibles(request.user, GESTION).filter(organisme=og)
    res = exp.exporter(ets.select_related("organisme"))
    tracer_lecture_liste([e.professionnel for e in res.exclus], "personnel.Professionnel",  # the names shown
                         f"Export RPPS+ (aperçu) — {og.raison_sociale}", request=request, organisme=og,
                         details={"inclus": res.inclus, "fichiers": list(res.fichiers)})
    return render(request, "personnel/export.html", {"og": og, "res": res, "gabarit": exp.gabarit_actif(og),
                                                    "taille": exp.TAILLE_LOT})


@login_required
def export_zip(request: HttpRequest, finess: str) -> HttpResponse:
    og = _og(request, finess)
    ets = rights.etablissements_visibles(request.user, GESTION).filter(organisme=og).select_related("organisme")
    return _reponse_zip(request, ets, f"rpps_plus_{og.finess}.zip", og)


@login_required
def export_grappe(request: HttpRequest, pk: int) -> HttpResponse:
    grappe = get_object_or_404(rights.grappes_visibles(request.user), pk=pk)
    ets = rights.etablissements_visibles(request.user, GESTION).filter(organisme__grappes=grappe)
    if not ets.exists():
        raise PermissionDenied("Aucun ESMS de cette grappe où vous êtes gestionnaire RPPS+.")
    return _reponse_zip(request, ets.select_related("organisme"), f"rpps_plus_grappe_{grappe.pk}.zip", grappe)


@login_required
def gabarit(request: HttpRequest, finess: str) -> HttpResponse:
    og = _og(request, finess)
    actif = exp.gabarit_actif(og)
    form = FichierForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and "options" in request.POST:
        structure = {**actif.structure, "separateur": request.POST.get("separateur", "").replace("\\t", "\t"),
                     "encodage": request.POST.get("encodage", ""), "format_date": request.POST.get("format_date", "")}
        try:
            g = exp.enregistrer_gabarit(og, structure, actif.nom, request.user)
        except exp.GabaritInvalide as exc:
            messages.error(request, f"Options refusées : {exc}")
        else:
            messages.success(request, f"Options enregistrées : gabarit « {g.nom} » version {g.version}.")
        return redirect("personnel:gabarit", finess=og.finess)
    if request.method == "POST" and "defaut" in request.POST:
        exp.enregistrer_gabarit(og, exp.STRUCTURE_DEFAUT, exp.NOM_DEFAUT, request.user)
        messages.success(request, "Gabarit par défaut Socle rétabli (nouvelle version).")
        return redirect("personnel:gabarit", finess=og.finess)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["fichier"]
        try:
            structure, avert = exp.structure_depuis_fichier(f.read(), actif.structure)
            g = exp.enregistrer_gabarit(og, structure, request.POST.get("nom") or f"Gabarit importé ({f.name})",
                                        request.user)
        except exp.GabaritInvalide as exc:
            messages.error(request, f"Gabarit refusé : {exc}")
        else:
            messages.success(request, f"Gabarit « {g.nom} » version {g.version} actif.")
            for a in avert:
                messages.warning(request, a)
            return redirect("personnel:gabarit", finess=og.finess)
    versions = GabaritExport.objects.filter(organisme=og).order_by("-version")
    return render(request, "personnel/gabarit.html", {
        "og": og, "gabarit": actif, "form": form, "versions": versions, "champs": exp.CHAMPS,
        "encodages": exp.ENCODAGES, "est_defaut": actif.nom == exp.NOM_DEFAUT,
        "formats_date": exp.FORMATS_DATE, "separateurs": exp.SEPARATEURS,
        "libelle_encodage": exp.ENCODAGES.get(actif.structure.get("encodage"), actif.structure.get("encodage")),
        "libelle_date": exp.FORMATS_DATE.get(actif.structure.get("format_date"), actif.structure.get("format_date")),
        "libelle_separateur": exp.SEPARATEURS.get(actif.structure.get("separateur"), actif.structure.get("separateur"))})


@login_required
def retour_portail(request: HttpRequest, finess: str) -> HttpResponse:
    og = _og(request, finess)
    form = RetourPortailForm(request.POST or None, request.FILES or None)
    res = None
    if request.method == "POST" and form.is_valid():
        try:
            res = services.importer_retour_portail(form.cleaned_data["contenu"], og, utilisateur=request.user,
                                                   nom_fichier=form.cleaned_data["fichier"].name)
        except FichierIllisible as exc:  # unreadable, or beyond a limit: a form error, nothing kept
            form.add_error("fichier", f"Fichier refusé : {exc}.")
        else:
            if res.erreurs:
                messages.error(request, f"{res.nb_erreurs} erreur(s) : aucun numéro n'a été enregistré.")
            else:
                messages.success(request, f"{len(res.appliques)} numéro(s) RPPS enregistré(s), {res.deja} déjà "
                                          "connu(s).")
    return render(request, "personnel/retour_portail.html", {"og": og, "form": form, "res": res})
