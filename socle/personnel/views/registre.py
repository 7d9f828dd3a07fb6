"""The staff registry: the staff of an ESMS, a professional's record, editing it, adding one, editing a
situation d'exercice."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from socle.audit.models import Action
from socle.audit.services import tracer, tracer_lecture_liste
from socle.comptes import rights
from socle.core.texte import cle_alphanumerique

from .. import rules, services
from ..forms import NouveauProfessionnelForm, ProfessionnelForm, SituationForm
from ..models import Professionnel, SituationExercice
from ._commun import GESTION, _professionnels


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
        qn = cle_alphanumerique(q)
        lignes = [lg for lg in lignes if qn in cle_alphanumerique(
            f"{lg.professionnel.nom_naissance} {lg.professionnel.nom_usage} {' '.join(lg.professionnel.prenoms)} "
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
    if request.method == "GET":
        tracer(Action.LECTURE, objet=s.professionnel, request=request, details={"situation": s.pk})
    form = SituationForm(request.POST or None, instance=s)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            tracer(Action.MODIFICATION, objet=s.professionnel, request=request,
                   details={"situation": s.pk, "champs": form.changed_data})
        messages.success(request, "Situation d'exercice enregistrée.")
        return redirect(s.professionnel)
    return render(request, "personnel/situation.html", {"s": s, "form": form})
