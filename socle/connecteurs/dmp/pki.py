"""Test PKI of the local DMP stand-in (on the common test PKI): its CA (the only issuer of the TLS client
certificates and of the VIHF signature certificates it trusts), its server certificate, and certificates
issued per organisation (`emettre_certificat`): an authentication one (mutual TLS) and an RSA signature one
(the VIHF is signed rsa-sha256, as the IGC Santé "cachet" certificates are RSA). Never used against the CNAM.
"""

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path

from ..commun.standin import PkiServeur, creer_pki_serveur, pki_serveur, pki_valide

NOM_CA = "TEST AC SOCLE BOUCHON DMP"
ORGANISATION_BOUCHON = "Socle bouchon DMP"
_lock = threading.Lock()


@dataclass(frozen=True, kw_only=True)
class PkiBouchonDmp(PkiServeur):
    def emettre_certificat(self, cn: str, organisation: str, *, usage: str = "auth", serie: int | None = None,
                           debut: dt.datetime | None = None, jours: int = 3 * 365):
        """(certificate, key) issued by the stand-in's CA: usage "auth" (EC, client authentication) or "sign"
        (RSA 2048, signature of the VIHF)."""
        return self.autorite().emettre(cn, organisation=organisation, usage=usage, serie=serie, debut=debut,
                                       duree=dt.timedelta(days=jours),
                                       algorithme="rsa" if usage == "sign" else "ec")


def assurer_pki(dossier: Path) -> PkiBouchonDmp:
    """The stand-in's PKI in `dossier`, generated on first use (or when expired) and reused afterwards."""
    dossier = Path(dossier)
    with _lock:
        if not (pki_valide(dossier / "ca.pem") and pki_valide(dossier / "serveur.pem") and (dossier / "ca.key").exists()):
            creer_pki_serveur(dossier, NOM_CA, ORGANISATION_BOUCHON)
        base = pki_serveur(dossier)
        return PkiBouchonDmp(dossier=base.dossier, ca=base.ca, ca_cle=base.ca_cle, serveur=base.serveur)
