"""Errors of the connectors: each says whether trying again later may succeed.

    try:
        client.rechercher(...)
    except ErreurConnecteur as exc:
        if exc.reessayable: ...  # time-out, network cut, service unavailable (5xx): retry later
        else: ...                # certificate, configuration, rejected request: a person must act first

Messages are in French, for the user; `code` is a short machine code ("delai", "tls", "certificat",
"configuration", "siram_40/insi_102"…), `detail` technical context for the logs (never a secret).
"""


class ErreurConnecteur(Exception):
    """A call to a national service that failed; nothing was learned from the service."""

    reessayable: bool = False

    def __init__(self, message: str, code: str = "", detail: str = "", *, reessayable: bool | None = None):
        super().__init__(message)
        self.code = code
        self.detail = detail
        if reessayable is not None:
            self.reessayable = reessayable


class ErreurPermanente(ErreurConnecteur):
    """Retrying will fail the same way until someone acts: certificate refused or unreadable, missing
    configuration, request rejected by the service's schema, call not authorised."""

    reessayable = False


class ErreurTemporaire(ErreurConnecteur):
    """Worth retrying later: time-out, network failure, service temporarily unavailable (HTTP 5xx)."""

    reessayable = True


class ErreurCertificat(ErreurPermanente):
    """The client certificate cannot be loaded (file absent, wrong password, key not matching)."""


class SecretIndechiffrable(ErreurPermanente):
    """A stored secret cannot be decrypted with the installation key (SOCLE_SECRETS_KEY changed?)."""
