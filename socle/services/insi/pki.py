"""Test PKI of the local INSi stand-in: its own CA, a server certificate for 127.0.0.1/localhost and the
two AUTH_CLI-like client certificates whose CN the CNAM checks (INSI-AUTO, INSI-MANU).

Generated once with `cryptography` and cached in a data folder, so that the client's TLS and certificate
handling are exercised for real (mutual TLS) without any IGC Santé material. Never used against the CNAM.
"""

import datetime as dt
import ipaddress
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CN_AUTO = "INSI-AUTO"
CN_MANU = "INSI-MANU"
P12_PASSWORD = "bouchon-insi"  # password of the stand-in's test PKCS#12 files (test material only)
_VALIDITE = dt.timedelta(days=825)
_lock = threading.Lock()


@dataclass(frozen=True)
class CertificatCle:
    cert: Path
    key: Path


@dataclass(frozen=True)
class PkiBouchon:
    dossier: Path
    ca: Path  # CA certificate (PEM): the bundle a client must trust, and the only issuer the server accepts
    serveur: CertificatCle
    auto: CertificatCle
    manu: CertificatCle
    auto_p12: Path
    manu_p12: Path

    def client(self, mode: str) -> CertificatCle:
        return self.auto if mode == "AUTO" else self.manu


def _nom(cn: str, organisation: str = "Socle bouchon INSi") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _ecrire_cle(path: Path, key) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    path.chmod(0o600)


def creer_ca(dossier: Path, cn: str = "TEST AC SOCLE BOUCHON INSI") -> tuple[Path, Path]:
    """A self-signed CA (certificate, key) in `dossier`. Also used by tests to build a foreign CA."""
    dossier.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_nom(cn))
        .issuer_name(_nom(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + _VALIDITE)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    ca_cert, ca_key = dossier / "ca.pem", dossier / "ca.key"
    ca_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _ecrire_cle(ca_key, key)
    return ca_cert, ca_key


def emettre(
    ca_cert: Path, ca_key: Path, cn: str, dossier: Path, nom_fichier: str, serveur: bool = False
) -> CertificatCle:
    """Issue a leaf certificate signed by the CA: a TLS server one (SAN 127.0.0.1, localhost) or a
    client-authentication one (AUTH_CLI usage: digitalSignature + clientAuth)."""
    ca = x509.load_pem_x509_certificate(ca_cert.read_bytes())
    ca_k = serialization.load_pem_private_key(ca_key.read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_nom(cn))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + _VALIDITE)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()), critical=False
        )
    )
    if serveur:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    else:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    cert = builder.sign(ca_k, hashes.SHA256())
    dossier.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = dossier / f"{nom_fichier}.pem", dossier / f"{nom_fichier}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _ecrire_cle(key_path, key)
    return CertificatCle(cert_path, key_path)


def ecrire_p12(cc: CertificatCle, chemin: Path, mot_de_passe: str, nom: str) -> Path:
    """Bundle a certificate and its key in a password-protected PKCS#12 (how the CNAM-side AUTH_CLI
    certificates are usually delivered)."""
    cert = x509.load_pem_x509_certificate(cc.cert.read_bytes())
    key = serialization.load_pem_private_key(cc.key.read_bytes(), password=None)
    chemin.write_bytes(
        pkcs12.serialize_key_and_certificates(
            nom.encode(), key, cert, None, serialization.BestAvailableEncryption(mot_de_passe.encode())
        )
    )
    chemin.chmod(0o600)
    return chemin


def _valide(path: Path) -> bool:
    if not path.exists():
        return False
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    return cert.not_valid_after_utc > dt.datetime.now(dt.UTC) + dt.timedelta(days=1)


def assurer_pki(dossier: Path) -> PkiBouchon:
    """The stand-in's PKI in `dossier`, generated on first use (or when expired) and reused afterwards."""
    dossier = Path(dossier)
    with _lock:
        noms = ["ca", "serveur", "insi-auto", "insi-manu"]
        complet = all(_valide(dossier / f"{n}.pem") for n in noms) and all(
            (dossier / f"{n}.p12").exists() for n in ("insi-auto", "insi-manu")
        )
        if not complet:
            ca_cert, ca_key = creer_ca(dossier)
            emettre(ca_cert, ca_key, "127.0.0.1", dossier, "serveur", serveur=True)
            for cn in (CN_AUTO, CN_MANU):
                cc = emettre(ca_cert, ca_key, cn, dossier, cn.lower())
                ecrire_p12(cc, dossier / f"{cn.lower()}.p12", P12_PASSWORD, cn)
        return PkiBouchon(
            dossier=dossier,
            ca=dossier / "ca.pem",
            serveur=CertificatCle(dossier / "serveur.pem", dossier / "serveur.key"),
            auto=CertificatCle(dossier / "insi-auto.pem", dossier / "insi-auto.key"),
            manu=CertificatCle(dossier / "insi-manu.pem", dossier / "insi-manu.key"),
            auto_p12=dossier / "insi-auto.p12",
            manu_p12=dossier / "insi-manu.p12",
        )
