"""Test PKI of the local INSi stand-in (built on the common test PKI, `socle.connecteurs.commun.pki`): its own
CA, a server certificate for 127.0.0.1/localhost, its two default AUTH_CLI-like client certificates whose CN
the CNAM checks (INSI-AUTO, INSI-MANU: the installation's test certificates), and client certificates issued
per organisation (`emettre_certificat`) so that the stand-in sees which organisation calls.

Generated once and cached in a data folder, so that the client's TLS and certificate handling are exercised
for real (mutual TLS) without any IGC Santé material. Never used against the CNAM.
"""

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path

from ..commun.pki import CertificatCle, ecrire, en_p12
from ..commun.standin import PkiServeur, creer_pki_serveur, pki_serveur, pki_valide

CN_AUTO = "INSI-AUTO"
CN_MANU = "INSI-MANU"
CN_PAR_MODE = {"AUTO": CN_AUTO, "MANU": CN_MANU}
NOM_CA = "TEST AC SOCLE BOUCHON INSI"
ORGANISATION_BOUCHON = "Socle bouchon INSi"  # O of the stand-in's default (installation) client certificates
P12_PASSWORD = "bouchon-insi"  # password of the stand-in's test PKCS#12 files (test material only)
_lock = threading.Lock()


@dataclass(frozen=True, kw_only=True)
class PkiBouchon(PkiServeur):
    auto: CertificatCle  # default INSI-AUTO client certificate (O = ORGANISATION_BOUCHON)
    manu: CertificatCle
    auto_p12: Path
    manu_p12: Path

    def client(self, mode: str) -> CertificatCle:
        return self.auto if mode == "AUTO" else self.manu

    def emettre_certificat(self, cn: str, organisation: str, *, serie: int | None = None,
                           debut: dt.datetime | None = None, jours: int = 3 * 365, usage: str = "auth"):
        """(certificate, key) issued by the stand-in's CA for `organisation` (the O of the subject): what an
        organisation deposits in the prerequisites cockpit, in the demo and the tests, to call the stand-in."""
        return self.autorite().emettre(cn, organisation=organisation, usage=usage, serie=serie, debut=debut,
                                       duree=dt.timedelta(days=jours))


def assurer_pki(dossier: Path) -> PkiBouchon:
    """The stand-in's PKI in `dossier`, generated on first use (or when expired) and reused afterwards."""
    dossier = Path(dossier)
    with _lock:
        noms = ["ca", "serveur", "insi-auto", "insi-manu"]
        complet = (
            all(pki_valide(dossier / f"{n}.pem") for n in noms)
            and (dossier / "ca.key").exists()
            and all((dossier / f"{n}.p12").exists() for n in ("insi-auto", "insi-manu"))
        )
        if not complet:
            base = creer_pki_serveur(dossier, NOM_CA, ORGANISATION_BOUCHON)
            ca = base.autorite()
            for cn in (CN_AUTO, CN_MANU):
                cert, cle = ca.emettre(cn, organisation=ORGANISATION_BOUCHON)
                ecrire(cert, cle, dossier, cn.lower())
                chemin = dossier / f"{cn.lower()}.p12"
                chemin.write_bytes(en_p12(cert, cle, P12_PASSWORD, cn))
                chemin.chmod(0o600)
        base = pki_serveur(dossier)
        return PkiBouchon(
            dossier=base.dossier,
            ca=base.ca,
            ca_cle=base.ca_cle,
            serveur=base.serveur,
            auto=CertificatCle(dossier / "insi-auto.pem", dossier / "insi-auto.key"),
            manu=CertificatCle(dossier / "insi-manu.pem", dossier / "insi-manu.key"),
            auto_p12=dossier / "insi-auto.p12",
            manu_p12=dossier / "insi-manu.p12",
        )
