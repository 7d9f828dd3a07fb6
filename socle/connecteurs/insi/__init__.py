"""INSi téléservice (CNAM): interface, real client, local stand-in, typed configuration.

    from socle.connecteurs.commun.appelant import Appelant
    from socle.connecteurs.insi import client_pour
    from socle.connecteurs.insi.interface import TraitsRecherche, InsiErreurTechnique

    appelant = Appelant(organisme_finess="690000000", organisme_nom="ASSOCIATION X", personne="julie")
    client = client_pour(appelant, fournisseur)          # fournisseur(appelant, "INSI-MANU") -> material
    reponse = client.rechercher(TraitsRecherche(...), mode="MANU")

`fournisseur` is the caller's credential provider (commun.appelant.FournisseurCertificats): in the product,
the certificates the organisation deposited in the prerequisites cockpit (wired by socle.usagers.services).
Configuration: see configuration.py (SOCLE_INSI_URL empty = the local stand-in).
"""

import threading
import time

from ..commun.appelant import INSTALLATION
from .configuration import CertificatsInsi, ConfigurationInsi, configuration
from .interface import (
    InsiCertificatAbsent,
    InsiClient,
    InsiErreurPermanente,
    InsiErreurTechnique,
    InsiErreurTemporaire,
    Mode,
)

__all__ = [
    "Cadence",
    "CertificatsInsi",
    "ConfigurationInsi",
    "InsiCertificatAbsent",
    "InsiErreurPermanente",
    "InsiErreurTechnique",
    "InsiErreurTemporaire",
    "client_installation",
    "client_pour",
    "configuration",
]


def client_pour(appelant, fournisseur, conf: ConfigurationInsi | None = None, mode: Mode = "MANU") -> InsiClient:
    """The INSi client acting for `appelant` (commun.appelant.Appelant) with the certificate material
    `fournisseur(appelant, "INSI-AUTO" | "INSI-MANU")` gives; default mode `mode`. `conf` defaults to the
    settings' configuration. A new client each time: nothing is cached between callers."""
    from .client import ClientInsiSoap

    conf = conf or configuration()
    return ClientInsiSoap(conf, fournisseur, appelant, mode_defaut=mode)


def client_installation(mode: Mode = "MANU", conf: ConfigurationInsi | None = None) -> InsiClient:
    """The client presenting the installation's own certificates (SOCLE_INSI_P12_* / CERT_*, the stand-in's
    test ones when SOCLE_INSI_URL is empty): for installation-level tools (`socle ins search`), not for calls
    made on behalf of an organisation. Raises InsiErreurPermanente (code "configuration") when the
    certificate for `mode` is not configured."""
    from .client import ClientInsiSoap

    conf = conf or configuration(installation=True)
    certificats = conf.certificats_installation or CertificatsInsi()
    if certificats.pour(mode) is None:
        raise InsiErreurPermanente(
            f"Certificat logiciel INSI-{mode} non configuré (SOCLE_INSI_P12_{mode} ou "
            f"SOCLE_INSI_CERT_{mode} + SOCLE_INSI_KEY_{mode}).",
            code="configuration",
        )
    return ClientInsiSoap(conf, certificats, INSTALLATION, mode_defaut=mode)


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
