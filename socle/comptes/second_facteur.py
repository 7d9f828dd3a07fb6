"""Second factor of local accounts (people without an RPPS: administrative staff, DPO, technical administrator):
a TOTP application (RFC 6238, django-otp) and single-use recovery codes. django-otp checks the codes and slows
down repeated failures (its own throttling); each failure is also a failed sign-in for django-axes, which locks
the account after SOCLE_CONNEXION_ECHECS_MAX failures, as for passwords."""

from __future__ import annotations

import segno
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from socle.audit.models import Action
from socle.audit.services import tracer

from .models import Utilisateur

NOM_TOTP = "Application d'authentification"
NOM_SECOURS = "Codes de secours"
NB_CODES_SECOURS = 10


def a_second_facteur(user: Utilisateur) -> bool:
    return any(True for _d in devices_for_user(user, confirmed=True))


def totp_en_cours(user: Utilisateur) -> TOTPDevice:
    """The TOTP being enrolled (unconfirmed), created on first call."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=NOM_TOTP, confirmed=False)


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code, for the phone's authenticator application."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, title=_("Code QR de l'application"))


def secret_base32(device: TOTPDevice) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode().rstrip("=")


@transaction.atomic
def confirmer_totp(user: Utilisateur, code: str) -> list[str] | None:
    """Confirm the enrolment with a first code; returns the new recovery codes (shown once), None if wrong."""
    device = totp_en_cours(user)
    if not device.verify_token(_nettoyer(code)):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = nouveaux_codes_secours(user)
    tracer(
        Action.MODIFICATION,
        objet=user,
        utilisateur=user,
        details={"second_facteur": "application TOTP activée"},
    )
    return codes


@transaction.atomic
def nouveaux_codes_secours(user: Utilisateur) -> list[str]:
    """Ten fresh single-use recovery codes; the previous ones stop working. Stored by django-otp (StaticToken)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=NOM_SECOURS, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(NB_CODES_SECOURS)]
    for code in codes:
        device.token_set.create(token=code)
    tracer(
        Action.MODIFICATION,
        objet=user,
        utilisateur=user,
        details={"second_facteur": f"{NB_CODES_SECOURS} nouveaux codes de secours"},
    )
    return codes


def _nettoyer(code: str) -> str:
    return "".join((code or "").split()).lower()


def verifier(request, user: Utilisateur, code: str) -> str | None:
    """The kind of factor that matched ("totp" or "secours"), or None. A failure is a failed sign-in (access log,
    django-axes counting towards the lock-out)."""
    code = _nettoyer(code)
    for device in devices_for_user(user, confirmed=True):
        autorise, _details = device.verify_is_allowed()
        if autorise and code and device.verify_token(code):
            if isinstance(device, StaticDevice):
                tracer(
                    Action.CONNEXION,
                    objet=user,
                    utilisateur=user,
                    request=request,
                    libelle=f"Code de secours utilisé par {user.username}",
                    details={"second_facteur": "code de secours", "restants": device.token_set.count()},
                )
                return "secours"
            return "totp"
    user_login_failed.send(sender=__name__, credentials={"username": user.username}, request=request)
    return None


@transaction.atomic
def reinitialiser(auteur: Utilisateur, user: Utilisateur, organisme) -> int:
    """The représentant légal removes a person's second factor (lost phone): she enrols again at her next
    sign-in. Traced, with the organisation."""
    from .services import organismes_administres, personnes_de

    if (
        not organismes_administres(auteur).filter(pk=organisme.pk).exists()
        or not personnes_de(organisme).filter(pk=user.pk).exists()
    ):
        raise PermissionDenied(
            _("Seul le représentant légal de l'organisme peut réinitialiser le second facteur.")
        )
    n = 0
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
        n += 1
    tracer(
        Action.MODIFICATION,
        objet=user,
        utilisateur=auteur,
        organisme=organisme,
        details={"second_facteur": "réinitialisé par le représentant légal", "dispositifs_supprimes": n},
    )
    return n
