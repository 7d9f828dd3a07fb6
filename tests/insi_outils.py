"""Helpers for the INSi tests: a stand-in on a free loopback port with its own PKI, and real clients."""

from socle.services.insi.client import CertificatClient, ClientInsiSoap, ConfigurationInsi
from socle.services.insi.pki import P12_PASSWORD


def configuration(bouchon, timeout: float = 5.0, **certificats) -> ConfigurationInsi:
    pki = bouchon.pki
    certs = {
        "AUTO": CertificatClient(cert=str(pki.auto.cert), cle=str(pki.auto.key)),
        "MANU": CertificatClient(p12=str(pki.manu_p12), mot_de_passe=P12_PASSWORD),
    }
    certs.update(certificats)
    return ConfigurationInsi(
        url=bouchon.url,
        certificats=certs,
        ca_bundle=str(pki.ca),
        idam="TEST-IDAM-SOCLE",
        logiciel_nom="Socle",
        logiciel_version="0.1.0",
        instance="0d6f5d1e-0000-4000-8000-000000000001",
        timeout=timeout,
    )


def client(bouchon, timeout: float = 5.0, **certificats) -> ClientInsiSoap:
    return ClientInsiSoap(configuration(bouchon, timeout, **certificats))
