"""How the current session was authenticated, and what that allows.

A session is *strongly* authenticated after Pro Santé Connect (e-CPS or CPS card, `acr=eidas1`) or after a
password followed by a second factor (TOTP or a recovery code, django-otp). Only such a session may use the
actions of `rights.AUTHENTIFICATION_FORTE` (records showing NIR/INS, INSi batches, documents). A PSC session
also carries the situation d'exercice chosen for it: the professional's function then applies to that ESMS
only (`rights._current`).
"""

from __future__ import annotations

import time

from django.http import HttpRequest

CLE_MOYEN = "socle_moyen"  # "psc", "totp" (password + second factor) or "mot_de_passe"
CLE_ETABLISSEMENT = "socle_etablissement_session"  # PSC: the ESMS of the chosen situation
CLE_ACTIVITE = "socle_derniere_activite"  # epoch seconds, for the inactivity time-out
CLE_EN_ATTENTE = (
    "socle_second_facteur_en_attente"  # password checked, second factor awaited: {"id", "backend", "t"}
)

MOYENS_FORTS = frozenset({"psc", "totp"})
LIBELLES_MOYENS = {
    "psc": "Pro Santé Connect (e-CPS)",
    "totp": "Mot de passe + second facteur",
    "mot_de_passe": "Mot de passe seul",
}


def moyen(request: HttpRequest) -> str:
    return request.session.get(CLE_MOYEN, "mot_de_passe") if hasattr(request, "session") else "mot_de_passe"


def marquer(request: HttpRequest, moyen_connexion: str, etablissement_id: int | None = None) -> None:
    """Record how this (already signed-in) session was authenticated; called right after `auth.login`."""
    request.session[CLE_MOYEN] = moyen_connexion
    if etablissement_id is not None:
        request.session[CLE_ETABLISSEMENT] = etablissement_id
    else:
        request.session.pop(CLE_ETABLISSEMENT, None)
    request.session[CLE_ACTIVITE] = int(time.time())
    appliquer(request)


def appliquer(request: HttpRequest) -> None:
    """Copy the session's authentication onto `request.user`, where `rights` reads it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    user.authentification_forte = request.session.get(CLE_MOYEN) in MOYENS_FORTS
    user.etablissement_session = request.session.get(CLE_ETABLISSEMENT)
