"""Importing the HR staff file: the template, upload, column mapping, dry run, then commit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.comptes import rights

from ..forms import UploadForm, mapping_form_class
from ..importer import (
    COLONNES_GABARIT,
    LIBELLES_CHAMPS,
    FichierIllisible,
    deviner_mapping,
    est_gabarit_socle,
    gabarit_csv,
    lire_entetes,
    lire_tableau,
)
from ..models import ImportPersonnel, MappingColonnes
from ..tasks import echouer_bloques, executer_import, seuil_tache, traiter_import
from ._commun import _gere_organisme, _og


def _import(request: HttpRequest, pk: int) -> ImportPersonnel:
    imp = get_object_or_404(ImportPersonnel.objects.select_related("organisme", "mapping"), pk=pk)
    if not _gere_organisme(request.user, imp.organisme):
        raise Http404
    return imp


def _nb_lignes(imp: ImportPersonnel) -> int:
    try:
        _, rows = lire_tableau(imp.lire_contenu(), imp.nom_fichier)
        return sum(1 for _ in rows)
    except (FichierIllisible, FileNotFoundError):
        return 0  # refused by executer_import, with its message


def _lancer(request, imp: ImportPersonnel, valider: bool) -> None:
    if _nb_lignes(imp) > seuil_tache():
        imp.passer(ImportPersonnel.Statut.EN_COURS if valider else ImportPersonnel.Statut.EN_ANALYSE)
        traiter_import.enqueue(imp.pk, valider)
        messages.info(request, "Fichier volumineux : le traitement se poursuit en arrière-plan, cette page se met à "
                               "jour toute seule.")
    else:
        executer_import(imp, valider, utilisateur=request.user)


@login_required
def gabarit_import(request: HttpRequest) -> HttpResponse:
    """The template, its example row on one of the user's own ESMS (the first by FINESS where she manages staff)."""
    et = rights.etablissements_visibles(request.user, rights.fonctions_de("gerer_personnel")).order_by("finess").first()
    et = et or rights.etablissements_visibles(request.user).order_by("finess").first()
    contenu = gabarit_csv(et.finess) if et else gabarit_csv()
    response = HttpResponse(contenu.encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="socle_gabarit_personnel.csv"'
    return response


@login_required
def import_upload(request: HttpRequest, finess: str) -> HttpResponse:
    og = _og(request, finess)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():  # an unreadable file, or beyond a limit: a form error
        f = form.cleaned_data["fichier"]
        imp = ImportPersonnel.objects.create(organisme=og, nom_fichier=f.name[:255], cree_par=request.user,
                                             fichier=ContentFile(form.cleaned_data["contenu"], name=f.name))
        if est_gabarit_socle(form.cleaned_data["entetes"]):
            _lancer(request, imp, valider=False)
            return redirect("personnel:import_detail", pk=imp.pk)
        return redirect("personnel:import_colonnes", pk=imp.pk)
    return render(request, "personnel/import_upload.html", {
        "og": og, "form": form, "colonnes": COLONNES_GABARIT,
        "imports": og.imports_personnel.all()[:10]})


@login_required
def import_colonnes(request: HttpRequest, pk: int) -> HttpResponse:
    imp = _import(request, pk)
    if imp.statut not in (ImportPersonnel.Statut.A_ASSOCIER, ImportPersonnel.Statut.ANALYSE):
        return redirect("personnel:import_detail", pk=imp.pk)
    try:
        entetes = lire_entetes(imp.lire_contenu(), imp.nom_fichier)
    except (FichierIllisible, FileNotFoundError):
        messages.error(request, "Le fichier de cet import n'est plus disponible : déposez-le à nouveau.")
        return redirect("personnel:import_upload", finess=imp.organisme.finess)
    Form = mapping_form_class(entetes)
    initial = {"nom": "Export RH", "format_date": "%d/%m/%Y", **deviner_mapping(entetes)}
    for m in MappingColonnes.objects.filter(organisme=imp.organisme).order_by("-modifie_le"):
        if all(col in entetes for col in m.correspondances.values() if col):
            initial = {"nom": m.nom, "format_date": m.format_date, **m.correspondances}
            break
    form = Form(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        corr = {c: data[c] for c in COLONNES_GABARIT if data.get(c)}
        mapping, _ = MappingColonnes.objects.update_or_create(
            organisme=imp.organisme, nom=data["nom"],
            defaults={"correspondances": corr, "format_date": data["format_date"]})
        imp.mapping = mapping
        imp.save(update_fields=["mapping"])
        _lancer(request, imp, valider=False)
        return redirect("personnel:import_detail", pk=imp.pk)
    return render(request, "personnel/import_colonnes.html", {"imp": imp, "form": form, "entetes": entetes,
                                                              "libelles": LIBELLES_CHAMPS})


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    echouer_bloques()  # a killed worker's import says so instead of staying « en cours »
    imp = _import(request, pk)
    rapport = imp.rapport or {}
    tracer(Action.LECTURE, objet=imp, request=request, libelle=f"Import du personnel — {imp.nom_fichier}",
           details={"problemes": len(rapport.get("problemes", []))})  # its report names people, row by row
    en_cours = imp.statut in (ImportPersonnel.Statut.EN_ANALYSE, ImportPersonnel.Statut.EN_COURS)
    template = "personnel/_import_etat.html" if request.htmx else "personnel/import_detail.html"
    return render(request, template, {
        "imp": imp, "rapport": rapport, "en_cours": en_cours, "problemes": rapport.get("problemes", []),
        "peut_valider": imp.statut == ImportPersonnel.Statut.ANALYSE and not rapport.get("bloquants")})


@login_required
def import_problemes_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The dry run's problem list as a spreadsheet, to send back to payroll (cells neutralised: names and
    messages come from the HR file)."""
    from socle.core.tableur import fichier_xlsx

    imp = _import(request, pk)
    rapport = imp.rapport or {}
    problemes = rapport.get("problemes", [])
    tracer(Action.EXPORT, objet=imp, request=request, libelle=f"Problèmes de l'import du personnel — {imp.nom_fichier}",
           details={"problemes": len(problemes)})
    gravites = {"erreur": "bloquant", "a_completer": "à compléter"}
    lignes = [[p["ligne"], p.get("personne", ""), LIBELLES_CHAMPS.get(p["champ"], p["champ"]), p["message"],
               gravites.get(p["gravite"], p["gravite"])] for p in problemes]
    reste = rapport.get("nb_problemes", 0) - len(problemes)
    if reste > 0:
        lignes.append(["", "", "", f"… et {reste} autre(s) problème(s) non détaillé(s) : corrigez d'abord ceux-ci "
                                   "puis relancez la simulation", ""])
    contenu = fichier_xlsx("Problèmes", ["Ligne", "Personne", "Champ", "Problème", "Gravité"], lignes)
    reponse = HttpResponse(contenu, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    reponse["Content-Disposition"] = f'attachment; filename="problemes-import-{imp.pk}.xlsx"'
    return reponse


@login_required
@require_POST
def import_valider(request: HttpRequest, pk: int) -> HttpResponse:
    imp = _import(request, pk)
    if imp.statut != ImportPersonnel.Statut.ANALYSE or imp.rapport.get("bloquants"):
        messages.error(request, "Cet import ne peut pas être validé : corrigez les erreurs bloquantes et déposez le "
                                "fichier à nouveau.")
        return redirect("personnel:import_detail", pk=imp.pk)
    _lancer(request, imp, valider=True)
    if imp.statut == ImportPersonnel.Statut.IMPORTE:
        r = imp.rapport.get("resultat", {})
        messages.success(request, f"Import validé : {r.get('crees', 0)} fiche(s) créée(s), {r.get('modifies', 0)} "
                                  f"modifiée(s), {r.get('inchanges', 0)} inchangée(s).")
    return redirect("personnel:import_detail", pk=imp.pk)
