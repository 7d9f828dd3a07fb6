"""Sign-in with Pro Santé Connect: start (redirect to PSC), return (checks, identity, situations), choice of the
situation when several match, and PSC's own sign-out after Socle's."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from socle.comptes import authentification as authn
from socle.comptes.views import reponse_blocage
from socle.connecteurs.psc.interface import RefusPsc
from socle.personnel.models import SituationExercice

from . import configuration, services
from .services import CLE_CHOIX, CLE_SUITE


def _refus(request: HttpRequest, code: str, message: str, identifiant: str = "", compte=None, organisme=None):
    services.refuser(request, code, message, identifiant, compte, organisme)
    return render(request, "web/psc/refus.html", {"message": message}, status=403)


def _suite(request: HttpRequest) -> str:
    suite = request.session.pop(CLE_SUITE, "") or ""
    if not url_has_allowed_host_and_scheme(
        suite, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        suite = resolve_url(settings.LOGIN_REDIRECT_URL)
    return suite


@login_not_required
def connexion(request: HttpRequest) -> HttpResponse:
    client = configuration.client()
    if client is None:
        raise Http404(_("Pro Santé Connect n'est pas configuré sur cette installation."))
    request.session[CLE_SUITE] = request.GET.get("next", "")
    return client.rediriger(request, request.build_absolute_uri(reverse("psc:retour")))


@login_not_required
def retour(request: HttpRequest) -> HttpResponse:
    client = configuration.client()
    if client is None:
        raise Http404(_("Pro Santé Connect n'est pas configuré sur cette installation."))
    if AxesProxyHandler.is_locked(request, credentials={"username": ""}):
        return reponse_blocage(request)
    try:
        psc = client.terminer(request)
    except RefusPsc as exc:
        if exc.code == "state":  # no sign-in in progress in this browser (expired, replayed or forged): start again
            services.refuser(request, exc.code, exc.message)
            messages.error(request, exc.message)
            return redirect("comptes:login")
        return _refus(request, exc.code, exc.message)
    identite = psc.identite
    sni = identite.subject_name_id
    if AxesProxyHandler.is_locked(request, credentials={"username": sni}):
        return reponse_blocage(request)
    pros = list(services.professionnels(identite))
    if not pros:
        return _refus(
            request,
            "rpps_inconnu",
            _(
                "Votre identifiant national (%(sni)s) n'est connu d'aucun établissement de cette installation. "
                "Demandez au service des ressources humaines de votre établissement de vérifier votre numéro RPPS dans "
                "le registre du personnel de Socle."
            )
            % {"sni": sni},
            sni,
        )
    situations = services.situations_correspondantes(identite, pros)
    compte_existant = next((p.compte for p in pros if p.compte_id), None)
    if not situations:
        return _refus(
            request,
            "aucune_situation",
            _(
                "Aucune de vos activités déclarées à Pro Santé Connect (FINESS du site, rôle, genre d'activité) ne "
                "correspond à une situation d'exercice en cours dans un établissement de cette installation. "
                "Demandez au service des ressources humaines de vérifier vos situations d'exercice."
            ),
            sni,
            compte_existant,
            pros[0].organisme,
        )
    if compte_existant is not None and not compte_existant.is_active:
        return _refus(
            request,
            "compte_desactive",
            _("Votre compte Socle est désactivé : voyez le représentant légal de votre organisme."),
            sni,
            compte_existant,
            pros[0].organisme,
        )
    compte = services.lier_compte(identite, pros)
    chiffres = services.chiffrer(psc)
    if len(situations) == 1:
        services.ouvrir_session(request, compte, situations[0], chiffres, sni)
        return redirect(_suite(request))
    request.session[CLE_CHOIX] = {
        "compte": compte.pk,
        "situations": [s.pk for s in situations],
        "jetons": chiffres,
        "identifiant": sni,
    }
    return redirect("psc:situation")


@login_not_required
def situation(request: HttpRequest) -> HttpResponse:
    """Several of her activités match ESMS of the installation: she picks the one she works in for this session."""
    choix = request.session.get(CLE_CHOIX)
    if not choix:
        return redirect("comptes:login")
    situations = list(
        SituationExercice.objects.filter(pk__in=choix["situations"])
        .select_related("etablissement__organisme", "professionnel")
        .order_by("etablissement__nom")
    )
    erreur = ""
    if request.method == "POST":
        choisie = next((s for s in situations if str(s.pk) == request.POST.get("situation")), None)
        if choisie is not None:
            from socle.comptes.models import Utilisateur

            request.session.pop(CLE_CHOIX, None)
            compte = Utilisateur.objects.get(pk=choix["compte"], is_active=True)
            services.ouvrir_session(request, compte, choisie, choix["jetons"], choix["identifiant"])
            return redirect(_suite(request))
        erreur = _("Choisissez l'établissement où vous travaillez pour cette session.")
    return render(request, "web/psc/situation.html", {"situations": situations, "erreur": erreur})


def sortie_psc(request: HttpRequest) -> str | None:
    """Registered in comptes.views.SORTIES_EXTERNES: after a PSC sign-in, Socle's sign-out goes on to PSC's
    (RP-initiated logout with id_token_hint)."""
    if authn.moyen(request) != "psc":
        return None
    jetons = services.jetons(request) or {}
    client = configuration.client()
    if client is None:
        return None
    return client.url_deconnexion(
        jetons.get("id_token", ""), request.build_absolute_uri(reverse("comptes:login"))
    )
