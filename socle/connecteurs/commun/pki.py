"""The one test PKI of Socle (never for production): a certification authority made with `cryptography`
that issues TLS server certificates and client certificates (authentication, signature), for the local
stand-ins, the demo and the tests.

    ca = AutoriteTest.creer("TEST AC SOCLE")
    cert, cle = ca.emettre("INSI-AUTO", organisation="ASSOCIATION X", serie=0xDE0001)
    en_p12(cert, cle, "mot de passe")                      # what an OG deposits in the cockpit

    cert, cle = fabriquer("INSI-AUTO", organisation="…")   # issued by a throw-away fictitious CA

A stand-in keeps its CA in its data folder (`AutoriteTest.enregistrer` / `charger`), so that another process
(the demo, a test) can issue client certificates the stand-in trusts.
"""

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITE = dt.timedelta(days=825)
USAGES = ("auth", "sign", "none", "serveur")


@dataclass(frozen=True)
class CertificatCle:
    """A certificate and its (unencrypted, 0600) private key as PEM files."""

    cert: Path
    key: Path


def nom_x509(cn: str, organisation: str = "") -> x509.Name:
    attributs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "FR")]
    if organisation:
        attributs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    attributs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attributs)


def _ku(signature: bool = False, non_repudiation: bool = False, chiffrement: bool = False, ca: bool = False):
    return x509.KeyUsage(
        digital_signature=signature, content_commitment=non_repudiation, key_encipherment=chiffrement,
        data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca, encipher_only=False,
        decipher_only=False,
    )


class AutoriteTest:
    """A test CA: its certificate and key (EC P-256)."""

    def __init__(self, cert: x509.Certificate, cle):
        self.cert = cert
        self.cle = cle

    @classmethod
    def creer(cls, cn: str = "TEST AC SOCLE", organisation: str = "", *, debut: dt.datetime | None = None,
              duree: dt.timedelta = VALIDITE) -> "AutoriteTest":
        cle = ec.generate_private_key(ec.SECP256R1())
        debut = debut or dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        nom = nom_x509(cn, organisation)
        cert = (
            x509.CertificateBuilder()
            .subject_name(nom)
            .issuer_name(nom)
            .public_key(cle.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(debut)
            .not_valid_after(debut + duree)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ku(ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(cle.public_key()), critical=False)
            .sign(cle, hashes.SHA256())
        )
        return cls(cert, cle)

    @classmethod
    def charger(cls, cert: Path, cle: Path) -> "AutoriteTest":
        return cls(
            x509.load_pem_x509_certificate(Path(cert).read_bytes()),
            serialization.load_pem_private_key(Path(cle).read_bytes(), password=None),
        )

    def enregistrer(self, dossier: Path, nom: str = "ca") -> CertificatCle:
        return ecrire(self.cert, self.cle, dossier, nom)

    def emettre(
        self,
        cn: str,
        *,
        organisation: str = "",
        usage: str = "auth",
        serie: int | None = None,
        debut: dt.datetime | None = None,
        duree: dt.timedelta = VALIDITE,
        hotes: tuple[str, ...] = ("localhost", "127.0.0.1"),
        algorithme: str = "ec",
    ):
        """(certificate, key) signed by this CA. usage: "auth" (client authentication: digitalSignature +
        clientAuth, like an IGC Santé AUTH_CLI certificate), "sign" (digitalSignature + nonRepudiation),
        "none" (no key usage), "serveur" (TLS server for `hotes`). algorithme: "ec" (P-256) or "rsa" (2048 bits,
        what an XML-DSig rsa-sha256 signature such as the DMP's VIHF token needs)."""
        if usage not in USAGES:
            raise ValueError(f"usage inconnu : {usage}")
        if algorithme == "rsa":
            cle = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            cle = ec.generate_private_key(ec.SECP256R1())
        debut = debut or dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        b = (
            x509.CertificateBuilder()
            .subject_name(nom_x509(cn, organisation))
            .issuer_name(self.cert.subject)
            .public_key(cle.public_key())
            .serial_number(serie if serie is not None else x509.random_serial_number())
            .not_valid_before(debut)
            .not_valid_after(debut + duree)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.cle.public_key()), critical=False)
        )
        if usage == "auth":
            b = b.add_extension(_ku(signature=True), critical=True)
            b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        elif usage == "sign":
            b = b.add_extension(_ku(signature=True, non_repudiation=True), critical=True)
        elif usage == "serveur":
            noms = []
            for h in hotes:
                try:
                    noms.append(x509.IPAddress(ipaddress.ip_address(h)))
                except ValueError:
                    noms.append(x509.DNSName(h))
            b = b.add_extension(_ku(signature=True, chiffrement=True), critical=True)
            b = b.add_extension(x509.SubjectAlternativeName(noms), critical=False)
            b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        return b.sign(self.cle, hashes.SHA256()), cle

    def a_emis(self, cert: x509.Certificate) -> bool:
        """True when `cert` was signed by this CA (this very key, not only the same name)."""
        try:
            cert.verify_directly_issued_by(self.cert)
        except (ValueError, TypeError, InvalidSignature):
            return False
        return True


def ecrire(cert: x509.Certificate, cle, dossier: Path, nom: str) -> CertificatCle:
    """Write `<nom>.pem` and `<nom>.key` (0600) in `dossier`."""
    dossier = Path(dossier)
    dossier.mkdir(parents=True, exist_ok=True)
    chemin_cert, chemin_cle = dossier / f"{nom}.pem", dossier / f"{nom}.key"
    chemin_cert.write_bytes(en_pem(cert))
    chemin_cle.write_bytes(cle_en_pem(cle))
    chemin_cle.chmod(0o600)
    return CertificatCle(chemin_cert, chemin_cle)


def en_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def en_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def cle_en_pem(cle, mot_de_passe: str = "") -> bytes:
    chiffrement = (serialization.BestAvailableEncryption(mot_de_passe.encode()) if mot_de_passe
                   else serialization.NoEncryption())
    return cle.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, chiffrement)


def en_p12(cert: x509.Certificate, cle, mot_de_passe: str, nom: str = "socle") -> bytes:
    """Certificate and key in a password-protected PKCS#12 (how IGC Santé certificates are delivered)."""
    return pkcs12.serialize_key_and_certificates(
        nom.encode(), cle, cert, None, serialization.BestAvailableEncryption(mot_de_passe.encode())
    )


def lire_pem(chemin: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(Path(chemin).read_bytes())


def fabriquer(cn: str = "INSI-AUTO", *, usage: str = "auth", debut: dt.datetime | None = None, jours: int = 3 * 365,
              organisation: str = "ORGANISME DÉMO", serial: int = 0x50C1E):
    """(certificate, key) issued by a throw-away fictitious CA ("AC DÉMO NON OFFICIELLE"), valid `jours` days
    from `debut` (yesterday by default): for the demo and the tests of the cockpit, where no service checks
    the issuer. For a certificate a stand-in must accept, issue it from that stand-in's CA instead."""
    ca = AutoriteTest.creer("AC DÉMO NON OFFICIELLE", "AC FICTIVE DÉMO SOCLE")
    debut = debut or dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    return ca.emettre(cn, organisation=organisation, usage=usage, serie=serial, debut=debut,
                      duree=dt.timedelta(days=jours))
