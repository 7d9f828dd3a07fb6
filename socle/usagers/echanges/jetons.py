"""Read-only API tokens of an ESMS's DUI. The token is shown once; Socle keeps its SHA-256 only (a token is a
random 256-bit secret, so a plain hash is enough: nothing to brute-force)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.usagers.models import JetonApi

PREFIXE = "socle_"


class JetonInvalide(Exception):
    """Unknown, expired or revoked token (HTTP 401); the message is French."""


def empreinte(clair: str) -> str:
    return hashlib.sha256(clair.encode()).hexdigest()


def creer_jeton(etablissement, nom: str, *, user=None, jours: int | None = None) -> tuple[JetonApi, str]:
    """A new token for the ESMS's DUI; returns (record, clear token) — the clear token is never stored."""
    jours = jours or int(getattr(settings, "SOCLE_API_JETON_JOURS", 365))
    clair = PREFIXE + secrets.token_urlsafe(32)
    jeton = JetonApi.objects.create(
        etablissement=etablissement,
        nom=nom[:100],
        empreinte=empreinte(clair),
        prefixe=clair[:12],
        cree_par=user if getattr(user, "is_authenticated", False) else None,
        expire_le=timezone.now() + timedelta(days=jours),
    )
    tracer(
        Action.CREATION,
        objet=etablissement,
        utilisateur=user,
        libelle=f"Jeton API « {jeton.nom} » créé",
        details={"jeton": jeton.pk, "prefixe": jeton.prefixe, "expire_le": jeton.expire_le.isoformat()},
    )
    return jeton, clair


def revoquer(jeton: JetonApi, *, user=None) -> None:
    if jeton.revoque_le is None:
        JetonApi.objects.filter(pk=jeton.pk).update(revoque_le=timezone.now())
        tracer(
            Action.MODIFICATION,
            objet=jeton.etablissement,
            utilisateur=user,
            libelle=f"Jeton API « {jeton.nom} » révoqué",
            details={"jeton": jeton.pk, "prefixe": jeton.prefixe},
        )


def authentifier(entete: str) -> JetonApi:
    """The token of an `Authorization: Bearer …` header, if valid now."""
    type_, _, clair = (entete or "").partition(" ")
    if type_.lower() != "bearer" or not clair.strip():
        raise JetonInvalide("jeton absent : en-tête « Authorization: Bearer <jeton> » attendu")
    jeton = (
        JetonApi.objects.select_related("etablissement__organisme")
        .filter(empreinte=empreinte(clair.strip()))
        .first()
    )
    maintenant = timezone.now()
    if jeton is None:
        raise JetonInvalide("jeton inconnu")
    if jeton.revoque_le is not None:
        raise JetonInvalide("jeton révoqué")
    if jeton.expire_le <= maintenant:
        raise JetonInvalide("jeton expiré")
    JetonApi.objects.filter(pk=jeton.pk).update(dernier_usage=maintenant)
    return jeton
