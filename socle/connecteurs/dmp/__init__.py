"""DMP (Dossier Médical Partagé, IHE XDS.b): interface, real client, local stand-in, typed configuration.

    from socle.connecteurs.dmp import client_pour
    client = client_pour(appelant, fournisseur)   # fournisseur(appelant, "DMP-AUTH" | "DMP-SIGN") -> material
    client.envoyer(cda, contexte)                 # ITI-41; rechercher (ITI-18), recuperer (ITI-43), masquer (ITI-57)

`fournisseur` gives the organisation's certificates deposited in the prerequisites cockpit (authentication
for mutual TLS, signature for the VIHF). Configuration: configuration.py (SOCLE_DMP_URL empty = local stand-in).
"""

from .configuration import ConfigurationDmp, configuration
from .interface import (
    ContexteAppel,
    DmpCertificatAbsent,
    DmpClient,
    DmpErreur,
    DmpErreurPermanente,
    DmpErreurTemporaire,
    FicheDocument,
)

__all__ = [
    "ConfigurationDmp",
    "ContexteAppel",
    "DmpCertificatAbsent",
    "DmpClient",
    "DmpErreur",
    "DmpErreurPermanente",
    "DmpErreurTemporaire",
    "FicheDocument",
    "client_pour",
    "configuration",
]


def client_pour(appelant, fournisseur, conf: ConfigurationDmp | None = None) -> DmpClient:
    """The DMP client acting for `appelant` (commun.appelant.Appelant) with the certificates `fournisseur` gives."""
    from .client import ClientDmpSoap

    return ClientDmpSoap(conf or configuration(), fournisseur, appelant)
