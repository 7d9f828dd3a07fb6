"""Screens of the staff registry. Thin: rights first (404 out of perimeter, 403 wrong function), then rules and
services; every read or change of a professional is traced."""

import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from socle.audit.models import Action
from socle.audit.services import tracer, tracer_lecture_liste
from socle.comptes import rights

from . import export as exp
from . import rules, services
from .forms import (
    FichierForm,
    MetierFormSet,
    NouveauProfessionnelForm,
    OrganisationForm,
    ProfessionnelForm,
    RegleForm,
    RetourPortailForm,
    SituationForm,
    UploadForm,
    mapping_form_class,
)
from .importer import (
    COLONNES_GABARIT,
    LIBELLES_CHAMPS,
    FichierIllisible,
    deviner_mapping,
    est_gabarit_socle,
    gabarit_csv,
    lire_entetes,
    lire_tableau,
)
from .models import (
    GabaritExport,
    ImportPersonnel,
    MappingColonnes,
    MetierRole,
    OrganisationRpps,
    Professionnel,
    RapprochementAnnuaire,
    RegleEnregistrement,
    ResultatRapprochement,
    SituationExercice,
)
from .tasks import echouer_bloques, executer_import, rapprocher_annuaire_tache, seuil_tache, traiter_import

GESTION = rights.fonctions_de("gerer_personnel")
TABLEAU = rights.fonctions_de("personnel")
SEUIL_ANNUAIRE_TACHE = 20 * 1024 * 1024  # bytes: larger Annuaire extracts are reconciled by the worker


def _gere_organisme(user, og) -> bool:
    """Function held on the whole OG (directly or through a grappe): needed for OG-wide actions (import,
    export, rules). A gestionnaire of one ESMS only sees and edits the staff of her ESMS."""
    if user.is_superuser:
        return True
    return "gerer_personnel" in rights.capacites(user, og)


def _og(request: HttpRequest, finess: str):
    og = get_object_or_404(rights.organismes_visibles(request.user), finess=finess)
    if not _gere_organisme(request.user, og):
        raise PermissionDenied("Cette action demande la fonction de gestionnaire RPPS+ ou de représentant légal "
                               "sur l'organisme.")
    return og


def _professionnels(request: HttpRequest):
    """Staff the user may read: those working in an ESMS where she is gestionnaire RPPS+ or représentante
    légale, and, for OG-wide functions, those of the OG with no situation yet."""
    ets = rights.etablissements_visibles(request.user, GESTION)
    ogs = [og for og in rights.organismes_visibles(request.user, GESTION) if _gere_organisme(request.user, og)]
    return Professionnel.objects.filter(
        Q(pk__in=SituationExercice.objects.filter(etablissement__in=ets).values("professionnel_id"))
        | Q(organisme__in=ogs))


def _import(request: HttpRequest, pk: int) -> ImportPersonnel:
    imp = get_object_or_404(ImportPersonnel.objects.select_related("organisme", "mapping"), pk=pk)
    if not _gere_organisme(request.user, imp.organisme):
        raise Http404
    return imp


# --- board ---------------------------------------------------------------------------------------------------

@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The gestionnaire RPPS+'s home: readiness of every ESMS she may see, grouped by OG."""
    if not rights.a_fonction(request.user, *TABLEAU):
        raise PermissionDenied("Le tableau RPPS+ est réservé aux gestionnaires RPPS+, représentants légaux et "
                               "chefs de projet.")
    ets = rights.etablissements_visibles(request.user, TABLEAU).select_related("organisme").order_by(
        "organisme__raison_sociale", "nom")
    synth = services.syntheses(ets)
    par_og: dict = {}
    for s in synth:
        par_og.setdefault(s.etablissement.organisme, []).append(s)
    gerables = {og.pk for og in par_og if _gere_organisme(request.user, og)}
    return render(request, "personnel/index.html", {
        "organismes": [(og, lst, og.pk in gerables, _totaux(lst)) for og, lst in par_og.items()],
        "grappes": rights.grappes_visibles(request.user), "totaux": _totaux(synth),
        "ets_gerables": set(rights.etablissements_visibles(request.user, GESTION).values_list("pk", flat=True))})


def _totaux(synth) -> dict:
    return services.totaux_personnes(synth)


@login_required
def tableau_grappe(request: HttpRequest, pk: int) -> HttpResponse:
    grappe = get_object_or_404(rights.grappes_visibles(request.user), pk=pk)
    ets = rights.etablissements_visibles(request.user, TABLEAU).filter(organisme__grappes=grappe).select_related(
        "organisme").order_by("organisme__raison_sociale", "nom")
    if not ets.exists():
        raise PermissionDenied("Aucun ESMS de cette grappe dans votre périmètre RPPS+.")
    synth = services.syntheses(ets)
    roles: dict = {}
    for s in synth:
        for r in s.par_role():
            agg = roles.setdefault(r["role"], {"role": r["role"], "libelle": r["libelle"], "total": 0,
                                               "enregistres": 0, "a_rechercher": 0, "a_enregistrer": 0,
                                               "erreurs": 0, "non_concernes": 0})
            for k in ("total", "enregistres", "a_rechercher", "a_enregistrer", "erreurs", "non_concernes"):
                agg[k] += r.get(k, 0)
    return render(request, "personnel/grappe.html", {
        "grappe": grappe, "syntheses": synth, "totaux": _totaux(synth),
        "roles": sorted(roles.values(), key=lambda r: -r["total"]),
        "peut_exporter": rights.etablissements_visibles(request.user, GESTION).filter(
            organisme__grappes=grappe).exists()})


@login_required
def esms(request: HttpRequest, finess: str) -> HttpResponse:
    et = get_object_or_404(rights.etablissements_visibles(request.user).select_related("organisme"), finess=finess)
    if not rights.a_fonction(request.user, *GESTION, etablissement=et):
        raise PermissionDenied("La liste du personnel est réservée aux gestionnaires RPPS+ et représentants légaux.")
    synth = services.syntheses([et])[0]
    q = request.GET.get("q", "").strip()
    filtre = request.GET.get("statut", "")
    lignes = synth.lignes
    if q:
        qn = services._norm(q)
        lignes = [lg for lg in lignes if qn in services._norm(f"{lg.professionnel.nom_naissance} "
                                                              f"{lg.professionnel.nom_usage} "
                                                              f"{' '.join(lg.professionnel.prenoms)} "
                                                              f"{lg.professionnel.rpps} {lg.situation.metier}")]
    if filtre == "erreur":
        lignes = [lg for lg in lignes if lg.en_erreur]
    elif filtre:
        lignes = [lg for lg in lignes if lg.statut.code == filtre and not lg.en_erreur]
    tracer_lecture_liste([lg.professionnel for lg in lignes], "personnel.Professionnel",
                         f"Personnel de {et.nom}", request=request)
    gestionnaires = services.gestionnaires_rpps(et)
    return render(request, "personnel/esms.html", {
        "et": et, "synthese": synth, "lignes": lignes, "q": q, "filtre": filtre,
        "gestionnaires": gestionnaires, "alertes_gestion": services.alertes_gestion(et, gestionnaires),
        "statuts": rules.LIBELLES_STATUT})


# --- a professional ------------------------------------------------------------------------------------------

@login_required
def fiche(request: HttpRequest, pk: int) -> HttpResponse:
    pro = get_object_or_404(_professionnels(request).select_related("organisme"), pk=pk)
    tracer(Action.LECTURE, objet=pro, request=request)
    situations = list(pro.situations.select_related("etablissement"))
    ctx = rules.contexte(pro.organisme)
    st = rules.statut(pro, situations, ctx)
    return render(request, "personnel/fiche.html", {
        "pro": pro, "statut": st,
        "situations": [(s, rules.anomalies_rpps(pro, s) if st.code == rules.A_ENREGISTRER else [],
                        rules.situation_active(s)) for s in situations],
        "anomalies": rules.anomalies_rpps(pro)})


@login_required
def modifier(request: HttpRequest, pk: int) -> HttpResponse:
    pro = get_object_or_404(_professionnels(request), pk=pk)
    form = ProfessionnelForm(request.POST or None, instance=pro)
    if request.method == "POST" and form.is_valid():
        champs = form.changed_data
        with transaction.atomic():
            form.save()
            tracer(Action.MODIFICATION, objet=pro, request=request, details={"champs": champs})
        messages.success(request, "Fiche enregistrée.")
        return redirect(pro)
    if request.method == "GET":
        tracer(Action.LECTURE, objet=pro, request=request, details={"ecran": "modification"})
    return render(request, "personnel/modifier.html", {"pro": pro, "form": form})


@login_required
def nouveau(request: HttpRequest, finess: str) -> HttpResponse:
    et = get_object_or_404(rights.etablissements_visibles(request.user).select_related("organisme"), finess=finess)
    if not rights.a_fonction(request.user, *GESTION, etablissement=et):
        raise PermissionDenied("Réservé aux gestionnaires RPPS+ et représentants légaux.")
    form = NouveauProfessionnelForm(request.POST or None, instance=Professionnel(organisme=et.organisme))
    if request.method == "POST" and form.is_valid():
        pro = form.save(commit=False)
        cle = pro.calculer_cle()
        if Professionnel.objects.filter(organisme=et.organisme, cle=cle).exists() or (
                pro.rpps and Professionnel.objects.filter(organisme=et.organisme, rpps=pro.rpps).exists()):
            form.add_error(None, "Cette personne existe déjà dans l'organisme (même nom de naissance, premier prénom, "
                                 "date de naissance et sexe, ou même RPPS) : ouvrez sa fiche.")
        else:
            ctx = rules.contexte(et.organisme)
            role, genre = rules.proposer(form.cleaned_data["metier"], ctx)
            with transaction.atomic():
                pro.save()
                SituationExercice.objects.create(
                    professionnel=pro, etablissement=et, metier=form.cleaned_data["metier"], role=role,
                    role_propose=role, genre_activite=genre, genre_propose=genre,
                    nom_exercice=pro.nom_usage or pro.nom_naissance, prenom_exercice=pro.prenom_affiche,
                    date_prise_fonction=form.cleaned_data["date_prise_fonction"])
                tracer(Action.CREATION, objet=pro, request=request, details={"esms": et.finess})
            messages.success(request, "Fiche créée.")
            return redirect(pro)
    return render(request, "personnel/nouveau.html", {"et": et, "form": form})


@login_required
def modifier_situation(request: HttpRequest, pk: int) -> HttpResponse:
    s = get_object_or_404(SituationExercice.objects.select_related("professionnel", "etablissement").filter(
        professionnel__in=_professionnels(request)), pk=pk)
    form = SituationForm(request.POST or None, instance=s)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            tracer(Action.MODIFICATION, objet=s.professionnel, request=request,
                   details={"situation": s.pk, "champs": form.changed_data})
        messages.success(request, "Situation d'exercice enregistrée.")
        return redirect(s.professionnel)
    return render(request, "personnel/situation.html", {"s": s, "form": form})


# --- OG settings ---------------------------------------------------------------------------------------------

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


# --- HR import -----------------------------------------------------------------------------------------------

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
    response = HttpResponse(gabarit_csv().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
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
    en_cours = imp.statut in (ImportPersonnel.Statut.EN_ANALYSE, ImportPersonnel.Statut.EN_COURS)
    template = "personnel/_import_etat.html" if request.htmx else "personnel/import_detail.html"
    return render(request, template, {
        "imp": imp, "rapport": rapport, "en_cours": en_cours, "problemes": rapport.get("problemes", []),
        "peut_valider": imp.statut == ImportPersonnel.Statut.ANALYSE and not rapport.get("bloquants")})


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


# --- export --------------------------------------------------------------------------------------------------

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


# --- back from the portal, Annuaire Santé ---------------------------------------------------------------------

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
                             f"Rapprochement Annuaire — {og.raison_sociale}", request=request)
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
