"""Secrets kept encrypted with the installation key (Fernet, settings.SOCLE_SECRETS_KEY): the passwords of
the certificates deposited in the prerequisites cockpit and the `SOCLE_*_PASSWORD_*_CHIFFRE` settings.

    jeton = chiffrer("mot de passe")   # "" stays ""
    dechiffrer(jeton)                  # SecretIndechiffrable (permanent error) if the key changed
"""

from cryptography.fernet import Fernet, InvalidToken

from .erreurs import SecretIndechiffrable


def _fernet(cle: str | None = None) -> Fernet:
    if cle is None:
        from django.conf import settings

        cle = settings.SOCLE_SECRETS_KEY
    try:
        return Fernet(cle.encode() if isinstance(cle, str) else cle)
    except (ValueError, TypeError):
        raise SecretIndechiffrable(
            "La clé SOCLE_SECRETS_KEY n'est pas une clé Fernet valide (32 octets en base64 URL).", code="cle"
        ) from None


def chiffrer(clair: str, cle: str | None = None) -> str:
    """Fernet token of `clair` with the installation key (or `cle`); "" for an empty secret."""
    return _fernet(cle).encrypt(clair.encode()).decode() if clair else ""


def dechiffrer(jeton: str, cle: str | None = None) -> str:
    """The clear secret; "" for an empty token. Raises SecretIndechiffrable (French message, no secret)."""
    if not jeton:
        return ""
    try:
        return _fernet(cle).decrypt(jeton.encode()).decode()
    except (InvalidToken, ValueError):
        raise SecretIndechiffrable(
            "Le secret conservé ne peut être déchiffré avec la clé actuelle (SOCLE_SECRETS_KEY a changé ?).",
            code="secret",
        ) from None
