"""HTTP hardening that Django's own middleware does not cover: no caching of any page or download, and the
client's real address behind the reverse proxy (for the audit journal)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.utils.cache import add_never_cache_headers


class PasDeCacheMiddleware:
    """`Cache-Control: no-store` (with no-cache, must-revalidate, private, max-age=0) on every response built by
    Socle: screens show personal data (NIR, INS, staff) and exports carry it, so neither the browser, its
    back button after sign-out, nor a proxy may keep a copy. Static files never get here (WhiteNoise answers
    them earlier, with their long cache)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


class AdresseClientMiddleware:
    """Behind the reverse proxy, REMOTE_ADDR is the proxy's. When the request comes from one of SOCLE_PROXIES,
    the client's address is the right-most X-Forwarded-For entry that is not itself a trusted proxy (nginx
    appends the address it saw; whatever the client wrote itself is further left and ignored)."""

    def __init__(self, get_response):
        self.get_response = get_response

    @property
    def reseaux(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(p.strip(), strict=False) for p in getattr(settings, "SOCLE_PROXIES", []) if p]

    def _de_confiance(self, adresse: str) -> bool:
        try:
            ip = ipaddress.ip_address(adresse.strip().strip("[]"))
        except ValueError:
            return False
        return any(ip in reseau for reseau in self.reseaux)

    def __call__(self, request):
        transmis = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if self.reseaux and transmis and self._de_confiance(request.META.get("REMOTE_ADDR", "")):
            for adresse in reversed([a.strip() for a in transmis.split(",") if a.strip()]):
                if not self._de_confiance(adresse):
                    try:
                        request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(adresse.strip("[]")))
                    except ValueError:
                        pass  # not an address: keep the proxy's rather than trust a forged value
                    break
        return self.get_response(request)


class SessionPscMiddleware:
    """A session opened with Pro Santé Connect lives as long as PSC's: when the access token has expired, it is
    refreshed; when PSC refuses the refresh token, Socle's session ends too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib import auth
        from django.shortcuts import redirect
        from django.urls import reverse

        from socle.comptes import authentification as authn

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and authn.moyen(request) == "psc":
            from .psc import configuration, services

            client = configuration.client()
            if client is not None and not services.rafraichir_si_besoin(request, client):
                request.socle_motif_deconnexion = "session Pro Santé Connect terminée (jeton de rafraîchissement refusé)"
                auth.logout(request)
                return redirect(f"{reverse(settings.LOGIN_URL)}?psc_terminee=1")
        return self.get_response(request)
