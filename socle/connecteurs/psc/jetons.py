"""PSC's tokens are kept server-side for the session only (MSSanté's XOAUTH2 will reuse the access token while it
is valid), never in clear in the database: sessions are stored in the database, so the tokens are written
there encrypted with Fernet under a key derived from SECRET_KEY (HKDF-SHA256, own label). They die with the
session (sign-out, inactivity, PSC refusing the refresh token); a stolen session row without SECRET_KEY gives
nothing."""

from __future__ import annotations

import base64
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _fernet(secret_key: str) -> Fernet:
    cle = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"socle.psc.jetons-de-session").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(cle))


def chiffrer(jetons: dict, secret_key: str) -> str:
    return _fernet(secret_key).encrypt(json.dumps(jetons).encode()).decode()


def dechiffrer(valeur: str, secret_key: str) -> dict | None:
    """The tokens, or None when the value was not written under this key (or was altered)."""
    try:
        return json.loads(_fernet(secret_key).decrypt(valeur.encode()))
    except (InvalidToken, ValueError):
        return None
