"""Helpers for the INSi tests: a stand-in on a free loopback port with its own PKI, and real clients."""

from socle.connecteurs.commun.tls import MaterielCertificat
from socle.connecteurs.insi.client import ClientInsiSoap
from socle.connecteurs.insi.configuration import CertificatsInsi, ConfigurationInsi
from socle.connecteurs.insi.pki import P12_PASSWORD


def configuration(bouchon, timeout: float = 5.0) -> ConfigurationInsi:
    return ConfigurationInsi(
        url=bouchon.url,
        ca_bundle=str(bouchon.pki.ca),
        idam="TEST-IDAM-SOCLE",
        logiciel_nom="Socle",
        logiciel_version="0.1.0",
        instance="0d6f5d1e-0000-4000-8000-000000000001",
        timeout=timeout,
        bouchon=True,
    )


def certificats(bouchon, **par_mode: MaterielCertificat) -> CertificatsInsi:
    """The stand-in's own certificates (AUTO as PEM files, MANU as PKCS#12), `AUTO=`/`MANU=` replacing one."""
    pki = bouchon.pki
    certs = {
        "AUTO": MaterielCertificat(cert=str(pki.auto.cert), cle=str(pki.auto.key)),
        "MANU": MaterielCertificat(p12=str(pki.manu_p12), mot_de_passe=P12_PASSWORD),
    }
    certs.update(par_mode)
    return CertificatsInsi(auto=certs["AUTO"], manu=certs["MANU"])


def client(bouchon, timeout: float = 5.0, **par_mode: MaterielCertificat) -> ClientInsiSoap:
    return ClientInsiSoap(configuration(bouchon, timeout), certificats(bouchon, **par_mode))
