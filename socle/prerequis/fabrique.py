"""Builds fictitious certificates with `cryptography`, for the demo and the tests (never for production)."""

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def fabriquer(cn: str = "INSI-AUTO", *, usage: str = "auth", debut: datetime | None = None, jours: int = 3 * 365,
              organisation: str = "ORGANISME DÉMO", serial: int = 0x50C1E) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A certificate signed by a fictitious CA. usage: "auth" (clientAuth), "sign" (non-repudiation), "none"."""
    debut = debut or datetime.now(UTC) - timedelta(days=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    key = ec.generate_private_key(ec.SECP256R1())
    issuer = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "AC FICTIVE DÉMO SOCLE"),
                        x509.NameAttribute(NameOID.COMMON_NAME, "AC DÉMO NON OFFICIELLE")])
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                         x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
         .serial_number(serial).not_valid_before(debut).not_valid_after(debut + timedelta(days=jours)))
    if usage == "auth":
        b = b.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                          data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                          crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    elif usage == "sign":
        b = b.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                          data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                          crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
    return b.sign(ca_key, hashes.SHA256()), key


def en_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def en_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def en_p12(cert: x509.Certificate, key, mot_de_passe: str) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        b"socle-demo", key, cert, None, serialization.BestAvailableEncryption(mot_de_passe.encode()))
