"""Per-request side of the sign-in: strong authentication copied onto the user (for `rights`), the inactivity
time-out, and the refusal of NIR/INS screens to a session without strong authentication."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import auth
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from socle.audit.models import Action
from socle.audit.services import tracer

from . import authentification as authn

# URL namespaces whose screens show NIR/INS or documents (rights.AUTHENTIFICATION_FORTE), with the pages that do
# not (aggregated figures).
ESPACES_SENSIBLES: dict[str, frozenset[str]] = {"usagers": frozenset({"tableau"})}


class AuthentificationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            maintenant = int(time.time())
            derniere = request.session.get(authn.CLE_ACTIVITE)
            if derniere is not None and maintenant - int(derniere) > settings.SOCLE_SESSION_INACTIVITE:
                request.socle_motif_deconnexion = f"inactivité ({settings.SOCLE_SESSION_INACTIVITE} s)"
                auth.logout(request)
                return redirect(f"{reverse(settings.LOGIN_URL)}?inactivite=1")
            if derniere is None or maintenant - int(derniere) >= 60:  # one session write a minute at most
                request.session[authn.CLE_ACTIVITE] = maintenant
            authn.appliquer(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        if match is None or user is None or not user.is_authenticated:
            return None
        exemptees = ESPACES_SENSIBLES.get(match.app_name)
        if exemptees is None or match.url_name in exemptees or getattr(user, "authentification_forte", False):
            return None
        tracer(
            Action.ECHEC_CONNEXION,
            objet=user,
            utilisateur=user,
            request=request,
            libelle=f"Accès refusé sans authentification forte : {request.path}",
            details={
                "motif": "authentification_forte_requise",
                "moyen": authn.moyen(request),
                "page": match.view_name,
            },
        )
        return render(
            request,
            "comptes/authentification_forte.html",
            {
                "page": request.get_full_path(),
                "message": _(
                    "Cette page montre des identités (NIR, INS) : elle demande une connexion par Pro Santé "
                    "Connect ou par mot de passe et second facteur."
                ),
            },
            status=403,
        )
