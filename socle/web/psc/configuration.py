"""The installation's PSC client, from the settings; with SOCLE_PSC_ENVIRONNEMENT=bouchon, the local stand-in is
started on demand (once per process, on 127.0.0.1:SOCLE_PSC_BOUCHON_PORT) and serves the professionals of the
staff registry."""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings

from socle.connecteurs.psc.client import ClientPsc
from socle.connecteurs.psc.configuration import ConfigurationPsc, pour_bouchon, preset
from socle.connecteurs.psc.standin import BouchonPsc

_verrou = threading.Lock()
_bouchon: BouchonPsc | None = None


def installer_bouchon(bouchon: BouchonPsc | None) -> None:
    """Use this running stand-in (tests), or forget it (None)."""
    global _bouchon
    with _verrou:
        _bouchon = bouchon


def _identites_du_registre():
    """The registry's identities; read from one of the stand-in's server threads, whose database connection
    Django would otherwise leave open (no request cycle there), it is closed after."""
    from django.db import connection

    from .identites import identites_du_registre

    try:
        return identites_du_registre()
    finally:
        if threading.current_thread() is not threading.main_thread():
            connection.close()


def bouchon() -> BouchonPsc:
    global _bouchon
    with _verrou:
        if _bouchon is None:
            _bouchon = BouchonPsc(
                identites=_identites_du_registre, port=settings.SOCLE_PSC_BOUCHON_PORT
            ).demarrer()
        return _bouchon


def configuration() -> ConfigurationPsc | None:
    env = settings.SOCLE_PSC_ENVIRONNEMENT
    if not env:
        return None
    if env == "bouchon":
        b = bouchon()
        return pour_bouchon(b.url, b.client_id, b.client_secret)
    cle_jwe = Path(settings.SOCLE_PSC_CLE_JWE).read_text() if settings.SOCLE_PSC_CLE_JWE else ""
    return preset(
        env,
        settings.SOCLE_PSC_CLIENT_ID,
        settings.SOCLE_PSC_CLIENT_SECRET,
        **settings.SOCLE_PSC_URLS,
        certificat_client=settings.SOCLE_PSC_CERT,
        cle_client=settings.SOCLE_PSC_KEY,
        ca_bundle=settings.SOCLE_PSC_CA_BUNDLE,
        cle_dechiffrement=cle_jwe,
        timeout=settings.SOCLE_PSC_TIMEOUT,
    )


def client() -> ClientPsc | None:
    config = configuration()
    return ClientPsc(config) if config else None
