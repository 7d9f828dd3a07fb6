"""INSi téléservice (CNAM): client, local stand-in, one interface (see interface.py).

    from socle.services.insi import get_client
    from socle.services.insi.interface import TraitsRecherche, InsiErreurTechnique
    reponse = get_client(mode="MANU").rechercher(TraitsRecherche(...))

Configuration (settings, from the environment): SOCLE_INSI_URL empty = the local stand-in, started on
demand on 127.0.0.1 in a background thread once per process, with its own CA and client certificates;
otherwise the CNAM endpoint with SOCLE_INSI_CERT_*/KEY_*/P12_* certificates, SOCLE_INSI_CA_BUNDLE, etc.
"""

import threading
import time

from .interface import InsiClient, InsiErreurTechnique, Mode

__all__ = ["get_client", "Cadence", "configuration", "reinitialiser"]

_lock = threading.Lock()
_client = None


def _secret(nom: str) -> str:
    """A certificate password from the settings: in clear (env) or encrypted with SOCLE_SECRETS_KEY
    (Fernet token in <NOM>_CHIFFRE). Never logged."""
    from django.conf import settings

    clair = getattr(settings, nom, "") or ""
    chiffre = getattr(settings, f"{nom}_CHIFFRE", "") or ""
    if clair or not chiffre:
        return clair
    from cryptography.fernet import Fernet, InvalidToken

    try:
        return Fernet(settings.SOCLE_SECRETS_KEY.encode()).decrypt(chiffre.encode()).decode()
    except (InvalidToken, ValueError):
        raise InsiErreurTechnique(
            f"Le mot de passe chiffré {nom}_CHIFFRE ne se déchiffre pas avec la clé SOCLE_SECRETS_KEY.",
            code="certificat",
        ) from None


def chiffrer_secret(clair: str) -> str:
    """Encrypt a password for <NOM>_CHIFFRE with the installation key (SOCLE_SECRETS_KEY)."""
    from cryptography.fernet import Fernet
    from django.conf import settings

    return Fernet(settings.SOCLE_SECRETS_KEY.encode()).encrypt(clair.encode()).decode()


def configuration():
    """The ConfigurationInsi built from the settings (the local stand-in's when SOCLE_INSI_URL is empty)."""
    from django.conf import settings

    from .client import CertificatClient, ConfigurationInsi

    commun = {
        "idam": getattr(settings, "SOCLE_INSI_IDAM", "") or "",
        "logiciel_nom": getattr(settings, "SOCLE_INSI_LOGICIEL_NOM", "Socle"),
        "logiciel_version": getattr(settings, "SOCLE_INSI_LOGICIEL_VERSION", "0.1.0"),
        "instance": getattr(settings, "SOCLE_INSI_INSTANCE", "") or "",
        "emetteur": getattr(settings, "SOCLE_INSI_EMETTEUR", "") or "",
        "timeout": float(getattr(settings, "SOCLE_INSI_TIMEOUT", 10.0)),
    }
    url = getattr(settings, "SOCLE_INSI_URL", "") or ""
    if not url:
        from .pki import P12_PASSWORD
        from .standin import bouchon_local

        bouchon = bouchon_local()
        pki = bouchon.pki
        commun["idam"] = commun["idam"] or "BOUCHON-SOCLE"
        return ConfigurationInsi(
            url=bouchon.url,
            certificats={
                "AUTO": CertificatClient(cert=str(pki.auto.cert), cle=str(pki.auto.key)),
                "MANU": CertificatClient(p12=str(pki.manu_p12), mot_de_passe=P12_PASSWORD),
            },
            ca_bundle=str(pki.ca),
            **commun,
        )
    certificats = {}
    for mode in ("AUTO", "MANU"):
        certificats[mode] = CertificatClient(
            cert=getattr(settings, f"SOCLE_INSI_CERT_{mode}", "") or "",
            cle=getattr(settings, f"SOCLE_INSI_KEY_{mode}", "") or "",
            p12=getattr(settings, f"SOCLE_INSI_P12_{mode}", "") or "",
            mot_de_passe=_secret(f"SOCLE_INSI_PASSWORD_{mode}"),
        )
        if not certificats[mode].renseigne:
            raise InsiErreurTechnique(
                f"Certificat logiciel INSI-{mode} non configuré (SOCLE_INSI_P12_{mode} ou "
                f"SOCLE_INSI_CERT_{mode} + SOCLE_INSI_KEY_{mode}).",
                code="configuration",
            )
    if not commun["idam"]:
        raise InsiErreurTechnique(
            "Numéro d'autorisation CNDA (SOCLE_INSI_IDAM) non configuré : le téléservice refuserait l'appel.",
            code="configuration",
        )
    return ConfigurationInsi(
        url=url, certificats=certificats, ca_bundle=getattr(settings, "SOCLE_INSI_CA_BUNDLE", "") or "", **commun
    )


def get_client(mode: Mode = "MANU") -> InsiClient:
    """The configured INSi client (CNAM or local stand-in), default mode `mode`: "MANU" when a person
    triggers the call (INSI-MANU certificate), "AUTO" for batches (INSI-AUTO). Cached per process."""
    global _client
    from .client import ClientInsiSoap

    with _lock:
        if _client is None:
            _client = ClientInsiSoap(configuration())
        return _client.pour_mode(mode)


def reinitialiser() -> None:
    """Forget the cached client (after a settings change, e.g. in tests)."""
    global _client
    with _lock:
        _client = None


class Cadence:
    """Thread-safe pacing of INSi calls: at most `par_seconde` calls per second (SOCLE_INSI_RATE)."""

    def __init__(self, par_seconde: float | None = None):
        if par_seconde is None:
            from django.conf import settings

            par_seconde = float(getattr(settings, "SOCLE_INSI_RATE", 5.0))
        self.intervalle = 1.0 / par_seconde if par_seconde and par_seconde > 0 else 0.0
        self._prochain = 0.0
        self._lock = threading.Lock()

    def attendre(self) -> None:
        if not self.intervalle:
            return
        with self._lock:
            maintenant = time.monotonic()
            attente = self._prochain - maintenant
            self._prochain = max(maintenant, self._prochain) + self.intervalle
        if attente > 0:
            time.sleep(attente)
