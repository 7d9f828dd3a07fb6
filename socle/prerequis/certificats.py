"""Reading software certificates (PEM, DER, PKCS#12) and keeping their password encrypted.

INSi readiness: the INSi téléservice requires a client-authentication certificate whose CN is INSI-AUTO or
INSI-MANU (otherwise the service answers DESIR_560; see the public README of padoa/tlsi-ins). IGC Santé
software certificates are of the AUTH_CLI (authentication) or SIGN (signature) families (issue 6).
"""

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from socle.connecteurs.commun import secrets
from socle.connecteurs.commun.erreurs import SecretIndechiffrable

CN_INSI = {"INSI-AUTO", "INSI-MANU"}
AUTHENTIFICATION, SIGNATURE, AUTRE = "authentification", "signature", "other"

_KU = ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
       "key_cert_sign", "crl_sign"]
_EKU_NOMS = {
    ExtendedKeyUsageOID.CLIENT_AUTH: "clientAuth",
    ExtendedKeyUsageOID.SERVER_AUTH: "serverAuth",
    ExtendedKeyUsageOID.EMAIL_PROTECTION: "emailProtection",
    ExtendedKeyUsageOID.CODE_SIGNING: "codeSigning",
    ExtendedKeyUsageOID.TIME_STAMPING: "timeStamping",
    ExtendedKeyUsageOID.OCSP_SIGNING: "OCSPSigning",
}


class CertificatError(ValueError):
    """A certificate that cannot be read: the message is in French, for the user."""


@dataclass
class InfoCertificat:
    format: str  # pem | der | pkcs12
    sujet: str
    emetteur: str
    cn: str
    numero_serie: str
    not_before: datetime
    not_after: datetime
    key_usages: list[str]
    extended_key_usages: list[str]
    usage: str
    a_cle_privee: bool

    def insi_pret(self, aujourdhui: date | None = None) -> bool:
        return est_insi_pret(self.cn, self.extended_key_usages, self.not_before, self.not_after, aujourdhui,
                             emetteur=self.emetteur, sujet=self.sujet)

    def en_json(self, aujourdhui: date | None = None) -> dict:
        d = asdict(self)
        return {
            "format": d["format"], "subject": self.sujet, "issuer": self.emetteur, "serial": self.numero_serie,
            "not_before": self.not_before.isoformat(), "not_after": self.not_after.isoformat(),
            "key_usages": self.key_usages, "extended_key_usages": self.extended_key_usages, "usage": self.usage,
            "insi_ready": self.insi_pret(aujourdhui),
        }


def emetteur_reconnu(emetteur: str, sujet: str) -> tuple[bool, str]:
    """Is the certificate issued by the IGC Santé (the ANS's PKI, the only one the national services trust)?
    A self-signed certificate never is. On a test platform, the CAs named in SOCLE_CERTIFICATS_AC_TEST (the
    local stand-ins' test CAs) are accepted too, and the screens say so. Returns (ok, reason when not ok)."""
    from django.conf import settings

    if not emetteur or emetteur == sujet:
        return False, "certificat auto-signé : il n'est pas émis par l'IGC Santé"
    dn = emetteur.upper()
    if "IGC-SANTE" in dn or "IGC SANTE" in dn:
        return True, ""
    cn = next((p.split("=", 1)[1] for p in emetteur.split(",") if p.upper().startswith("CN=")), emetteur)
    if cn in getattr(settings, "SOCLE_CERTIFICATS_AC_TEST", ()):
        return True, ""
    return False, f"émis par « {cn} », qui n'est pas l'IGC Santé"


def est_insi_pret(cn: str, ekus: list[str], not_before: datetime, not_after: datetime,
                  aujourdhui: date | None = None, *, emetteur: str, sujet: str) -> bool:
    """True only for a client-authentication certificate with CN INSI-AUTO / INSI-MANU, issued by the IGC Santé
    (never a self-signed one), valid today."""
    jour = aujourdhui or date.today()
    return (cn in CN_INSI and "clientAuth" in ekus and emetteur_reconnu(emetteur, sujet)[0]
            and not_before.date() <= jour <= not_after.date())


def _usage(key_usages: list[str], ekus: list[str]) -> str:
    if "clientAuth" in ekus:
        return AUTHENTIFICATION
    if "content_commitment" in key_usages or ("digital_signature" in key_usages and not ekus
                                              and "key_encipherment" not in key_usages):
        return SIGNATURE
    if "emailProtection" in ekus and "content_commitment" in key_usages:
        return SIGNATURE
    return AUTRE


def analyser(cert: x509.Certificate, fmt: str, a_cle_privee: bool = False) -> InfoCertificat:
    try:
        ku_ext = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        kus = [n for n in _KU if getattr(ku_ext, n)]
        if ku_ext.key_agreement:
            kus += [n for n in ("encipher_only", "decipher_only") if getattr(ku_ext, n)]
    except x509.ExtensionNotFound:
        kus = []
    try:
        eku_ext = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        ekus = [_EKU_NOMS.get(o, o.dotted_string) for o in eku_ext]
    except x509.ExtensionNotFound:
        ekus = []
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    cn = str(cns[0].value) if cns else ""
    return InfoCertificat(
        format=fmt, sujet=cert.subject.rfc4514_string(), emetteur=cert.issuer.rfc4514_string(), cn=cn,
        numero_serie=format(cert.serial_number, "X"),
        not_before=cert.not_valid_before_utc.astimezone(UTC), not_after=cert.not_valid_after_utc.astimezone(UTC),
        key_usages=kus, extended_key_usages=ekus, usage=_usage(kus, ekus), a_cle_privee=a_cle_privee,
    )


def lire(data: bytes, mot_de_passe: str | None = None) -> InfoCertificat:
    """Read a PEM, DER or PKCS#12 file. Raises CertificatError with a French message."""
    if not data:
        raise CertificatError("Le fichier est vide.")
    if b"-----BEGIN" in data[:2048]:
        if b"-----BEGIN CERTIFICATE-----" not in data:
            raise CertificatError("Le fichier PEM ne contient pas de certificat (bloc BEGIN CERTIFICATE absent).")
        try:
            return analyser(x509.load_pem_x509_certificate(data), "pem", a_cle_privee=b"PRIVATE KEY-----" in data)
        except ValueError as exc:
            raise CertificatError(f"Certificat PEM illisible : {exc}") from exc
    try:
        return analyser(x509.load_der_x509_certificate(data), "der")
    except ValueError:
        pass
    try:
        p12 = pkcs12.load_pkcs12(data, mot_de_passe.encode() if mot_de_passe else None)
    except ValueError as exc:
        texte = str(exc).lower()
        if "password" in texte or "mac" in texte or "decrypt" in texte:
            if not mot_de_passe:
                raise CertificatError("Ce fichier PKCS#12 est protégé : indiquez son mot de passe.") from exc
            raise CertificatError("Mot de passe du fichier PKCS#12 incorrect.") from exc
        raise CertificatError("Fichier illisible : ce n'est ni un certificat PEM, ni DER, ni PKCS#12 "
                              "(fichier corrompu ou d'un autre type).") from exc
    if p12.cert is None:
        raise CertificatError("Le fichier PKCS#12 ne contient pas de certificat.")
    return analyser(p12.cert.certificate, "pkcs12", a_cle_privee=p12.key is not None)


def chiffrer(secret: str) -> str:
    """Encrypt a certificate password with the installation key (socle.connecteurs.commun.secrets)."""
    return secrets.chiffrer(secret)


def dechiffrer(jeton: str) -> str:
    try:
        return secrets.dechiffrer(jeton)
    except SecretIndechiffrable as exc:
        raise CertificatError("Le mot de passe conservé ne peut être déchiffré avec la clé actuelle "
                              "(SOCLE_SECRETS_KEY a changé ?).") from exc
