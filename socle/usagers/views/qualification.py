"""Qualifying an identity: traits, document check, INSi call (MANU), accepting or rejecting the answer,
checking a known INS again."""

from __future__ import annotations

import re
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.comptes import rights
from socle.connecteurs.insi.interface import InsiErreurTechnique
from socle.connecteurs.insi.lecteur import LIBELLES_CANAL, LecteurBouchon, LecteurErreur, lecteur_configure

from .. import rniv, services
from ..forms import ControleForm, RejetForm, TraitsForm
from ..models import AppelInsi, Usager
from ._commun import FONCTIONS_DOSSIER, _contexte_fiche, _exiger_dossier, _usager_modifiable

_TENTATIVE = re.compile(r"[0-9a-f]{32}")


def _tentative(request: HttpRequest) -> str:
    """The attempt id the form carries: kept through its POSTs (double click, reload) so that INSi is called once
    and a document recorded once; a fresh one for each new display of the screen."""
    t = request.POST.get("tentative", "") if request.method == "POST" else ""
    return t if _TENTATIVE.fullmatch(t) else uuid.uuid4().hex


def _reponse_en_attente(usager: Usager) -> AppelInsi | None:
    """The INSi answer a person asked for and has not yet accepted or rejected: kept server-side, shown again
    after a reload, never fetched twice."""
    return (AppelInsi.objects.filter(usager=usager, mode="MANU", cr="00", decision="")
            .exclude(reponse={}).order_by("-le", "-pk").first())


@login_required
def qualifier(request: HttpRequest, pk: int) -> HttpResponse:
    """Type/edit traits, record the document check, call INSi (MANU), compare, accept or reject."""
    usager = _usager_modifiable(request, pk)
    initial = {k: getattr(usager, k) for k in TraitsForm.base_fields}
    traits_form = TraitsForm(request.POST or None, initial=initial, statut=usager.statut)
    controle_form = ControleForm(request.POST or None)
    tentative = _tentative(request)
    appel, erreur_carte = None, ""
    lecteur = lecteur_configure()
    if request.method == "POST" and request.POST.get("action") == "carte":
        # carte Vitale / ApCV read at the desk: INSi queried with the card, the typed traits untouched
        traits_form, controle_form = TraitsForm(initial=initial, statut=usager.statut), ControleForm()
        try:
            lecture = lecteur.lire(request.POST.get("carte", ""))
            appel = services.interroger_insi_carte(usager, lecture, user=request.user, tentative=tentative)
        except (LecteurErreur, rniv.RegleRniv, services.AppelInsiRefuse) as exc:
            erreur_carte = str(exc)
    elif request.method == "POST":
        action = request.POST.get("action", "enregistrer")
        if traits_form.is_valid() and controle_form.is_valid():
            try:
                cd = controle_form.cleaned_data
                res = services.qualifier_identite(
                    usager, traits_form.cleaned_data, user=request.user, appeler=action == "appeler",
                    controle=cd if cd.get("controle_fait") else None, tentative=tentative)
                usager, appel = res.usager, res.appel
                if res.justificatif:
                    (messages.success if res.justificatif.haut_niveau else messages.warning)(
                        request, res.justificatif.raison)
                if action != "appeler":
                    messages.success(request, "Identité enregistrée.")
                    return redirect("usagers:qualifier", pk=usager.pk)
            except (rniv.RegleRniv, services.AppelInsiRefuse) as exc:
                traits_form.add_error(None, str(exc))
            usager.refresh_from_db()
            if not traits_form.errors:
                traits_form = TraitsForm(initial={k: getattr(usager, k) for k in TraitsForm.base_fields},
                                         statut=usager.statut)
            # the document part keeps what was typed (justificatif, country, "J'ai vérifié"): the same attempt
            # replayed never records it twice
    else:
        tracer(Action.LECTURE, objet=usager, details={"ecran": "qualification"})
    if appel is None:
        appel = _reponse_en_attente(usager)
    ctx = _contexte_fiche(usager)
    ctx.update({"traits_form": traits_form, "controle_form": controle_form, "appel": appel,
                "tentative": tentative, "rejet_form": RejetForm(), "erreur_carte": erreur_carte,
                "cartes": [{"reference": LecteurBouchon.reference(c), "libelle": c.libelle} for c in lecteur.cartes()],
                "canal": LIBELLES_CANAL.get(appel.canal, "") if appel else "",
                "lignes": services.comparaison(usager, appel) if appel else []})
    if request.htmx:
        return render(request, "usagers/_zone_qualification.html", ctx)
    return render(request, "usagers/qualifier.html", ctx)


def _appel(request: HttpRequest, pk: int, appel_pk: int) -> tuple[Usager, AppelInsi]:
    usager = _usager_modifiable(request, pk)
    return usager, get_object_or_404(AppelInsi, pk=appel_pk, usager=usager)


@login_required
@require_POST
def accepter(request: HttpRequest, pk: int, appel_pk: int) -> HttpResponse:
    usager, appel = _appel(request, pk, appel_pk)
    try:
        usager = services.accepter_identite(usager, appel, user=request.user)
    except rniv.RegleRniv as exc:
        messages.error(request, str(exc))
        return redirect("usagers:qualifier", pk=usager.pk)
    messages.success(request, f"Identité INSi acceptée : {rniv.libelle_statut(usager.statut)}.")
    return redirect("usagers:fiche", pk=usager.pk)


@login_required
@require_POST
def rejeter(request: HttpRequest, pk: int, appel_pk: int) -> HttpResponse:
    usager, appel = _appel(request, pk, appel_pk)
    form = RejetForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Le motif du rejet est obligatoire.")
        return redirect("usagers:qualifier", pk=usager.pk)
    try:
        services.rejeter_identite(usager, appel, form.cleaned_data["motif"], user=request.user)
    except rniv.RegleRniv as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, "Réponse INSi rejetée ; l'identité est inchangée.")
    return redirect("usagers:fiche", pk=usager.pk)


@login_required
@require_POST
def verifier(request: HttpRequest, pk: int) -> HttpResponse:
    usager = _usager_modifiable(request, pk)
    try:
        conforme, appel = services.verifier_ins(usager, user=request.user)
    except (rniv.RegleRniv, services.AppelInsiRefuse) as exc:
        messages.error(request, str(exc))
    else:
        if appel.cr == "ERR":
            messages.error(request, f"Vérification impossible (erreur technique) : {appel.erreur}")
        elif conforme:
            messages.success(request, "INS confirmé par INSi.")
        else:
            messages.warning(request, "INSi ne confirme plus cet INS : l'identité a perdu le critère « récupérée ».")
    return redirect("usagers:fiche", pk=usager.pk)


@login_required
@require_POST
def nouveau_carte(request: HttpRequest) -> HttpResponse:
    """Create an identity from a carte Vitale / ApCV read at the desk: INSi first, the record only when INSi
    answers one identity (récupérée from the card, qualifiée from the ApCV) [R-ST-04]."""
    ets = _exiger_dossier(request)
    pk = request.POST.get("etablissement", "")
    et = ets.filter(pk=int(pk)).first() if pk.isdigit() else None
    if et is None:
        messages.error(request, "Choisissez l'ESMS qui accompagne la personne.")
        return redirect("usagers:nouveau")
    rights.exiger_fonction(request.user, *FONCTIONS_DOSSIER, etablissement=et)
    try:
        lecture = lecteur_configure().lire(request.POST.get("carte", ""))
        usager, appel, message = services.creer_depuis_carte(
            et.organisme, et, lecture, user=request.user,
            admission_directe_ehpad=request.POST.get("admission_directe_ehpad") == "on")
    except (LecteurErreur, rniv.RegleRniv, services.AppelInsiRefuse, InsiErreurTechnique) as exc:
        messages.error(request, str(exc))
        return redirect("usagers:nouveau")
    if usager is None:
        messages.warning(request, message)
        return redirect("usagers:nouveau")
    if appel is None:
        messages.info(request, message)
    else:
        messages.success(request, f"Identité créée depuis la {LIBELLES_CANAL[lecture.canal].lower()} : "
                                  f"{rniv.libelle_statut(usager.statut).lower()}.")
    return redirect("usagers:fiche", pk=usager.pk)
