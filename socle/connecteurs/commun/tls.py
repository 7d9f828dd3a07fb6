"""Mutual TLS from a software certificate: the material (certificate + private key, PKCS#12 or PEM, in
memory or as files) and the SSL context / requests session that presents it.

The material deposited in the prerequisites cockpit stays in memory: a PKCS#12 or an encrypted key is opened
with `cryptography` and handed to OpenSSL through a private temporary file whose key is re-encrypted with a
one-time password, then deleted — the decrypted key never sits on disk. Passwords are never logged nor put
in a message.
"""

import os
import re
import ssl
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

from .erreurs import ErreurCertificat

_BLOC_CLE = re.compile(rb"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.*?-----END \1PRIVATE KEY-----", re.S)


@dataclass(frozen=True)
class MaterielCertificat:
    """A client certificate with its private key, for one caller and one use.

    Either in memory — `contenu`: a PKCS#12 file, or PEM holding the certificate (and chain) and the key, as
    deposited in the prerequisites cockpit — or as files — `p12`, or `cert` + `cle` (installation-wide
    settings, the stand-in's own test certificates). `mot_de_passe` protects the PKCS#12 or the key.
    `libelle` is what logs and messages may show (CN, serial number, organisation)."""

    contenu: bytes = b""
    p12: str = ""
    cert: str = ""
    cle: str = ""
    mot_de_passe: str = ""
    libelle: str = ""

    def __repr__(self) -> str:  # keep the password and the key out of logs and tracebacks
        source = f"{len(self.contenu)} octets" if self.contenu else (self.p12 or self.cert or "vide")
        return f"MaterielCertificat({self.libelle or source!r}, mot_de_passe='***')"

    @property
    def renseigne(self) -> bool:
        return bool(self.contenu or self.p12 or self.cert)


def _cle_pem(bloc: bytes, secret: bytes | None):
    from cryptography.hazmat.primitives import serialization

    try:
        return serialization.load_pem_private_key(bloc, password=secret)
    except TypeError:  # a password given for a key that is not encrypted: the key is usable as is
        if secret is None:
            raise
        return serialization.load_pem_private_key(bloc, password=None)


def _charger_en_memoire(donnees: bytes, mot_de_passe: str):
    """(key, certificate, chain) from PKCS#12 or PEM bytes. ValueError/TypeError on a wrong password."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import pkcs12

    secret = mot_de_passe.encode() if mot_de_passe else None
    if b"-----BEGIN" in donnees:
        certs = x509.load_pem_x509_certificates(donnees) if b"BEGIN CERTIFICATE-----" in donnees else []
        bloc = _BLOC_CLE.search(donnees)
        cle = _cle_pem(bloc.group(0), secret) if bloc else None
        return cle, (certs[0] if certs else None), certs[1:]
    cle, cert, autres = pkcs12.load_key_and_certificates(donnees, secret)
    return cle, cert, list(autres or ())


def _charger_dans(ctx: ssl.SSLContext, donnees: bytes, mot_de_passe: str, libelle: str) -> None:
    from cryptography.hazmat.primitives import serialization

    cle, cert, chaine = _charger_en_memoire(donnees, mot_de_passe)
    if cle is None or cert is None:
        raise ErreurCertificat(
            f"Le certificat {libelle} ne contient pas à la fois le certificat et sa clé privée : déposez le "
            "fichier PKCS#12 (.p12) ou un PEM qui contient la clé.",
            code="certificat",
            detail="cle_absente" if cle is None else "certificat_absent",
        )
    secret = uuid.uuid4().hex
    with tempfile.TemporaryDirectory(prefix="socle-tls-") as tmp:
        chemin = Path(tmp) / "client.pem"
        fd = os.open(chemin, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
            for c in chaine:
                f.write(c.public_bytes(serialization.Encoding.PEM))
            f.write(
                cle.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.BestAvailableEncryption(secret.encode()),
                )
            )
        ctx.load_cert_chain(str(chemin), password=secret)


def contexte_tls_client(materiel: MaterielCertificat | None, ca_bundle: str = "") -> ssl.SSLContext:
    """SSL context for mutual TLS (TLS 1.2 minimum): trusts `ca_bundle` (or the system store) and presents
    the client certificate of `materiel` (none when None or empty). Raises ErreurCertificat (permanent)."""
    ctx = ssl.create_default_context(cafile=ca_bundle or None)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if materiel is None or not materiel.renseigne:
        return ctx
    libelle = materiel.libelle or "client"
    try:
        if materiel.contenu:
            _charger_dans(ctx, bytes(materiel.contenu), materiel.mot_de_passe, libelle)
        elif materiel.p12:
            _charger_dans(ctx, Path(materiel.p12).read_bytes(), materiel.mot_de_passe, libelle)
        else:
            ctx.load_cert_chain(materiel.cert, materiel.cle or None, password=materiel.mot_de_passe or None)
    except ErreurCertificat:
        raise
    except (OSError, ValueError, TypeError, ssl.SSLError) as exc:
        # ValueError/TypeError: wrong or missing password; SSLError: key/cert mismatch or wrong key password.
        raise ErreurCertificat(
            f"Le certificat {libelle} ne peut pas être chargé (fichier absent, mot de passe incorrect ou clé qui "
            "ne correspond pas au certificat).",
            code="certificat",
            detail=type(exc).__name__,
        ) from None
    return ctx


class AdaptateurTLS(HTTPAdapter):
    """requests adapter carrying an SSLContext with the client certificate already loaded."""

    def __init__(self, contexte: ssl.SSLContext, **kw):
        self._contexte = contexte
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["ssl_context"] = self._contexte
        return super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, *args, **kwargs):
        kwargs["ssl_context"] = self._contexte
        return super().proxy_manager_for(*args, **kwargs)


def session_tls(materiel: MaterielCertificat | None, ca_bundle: str = "", agent: str = "") -> requests.Session:
    """A requests session presenting `materiel` over mutual TLS and trusting `ca_bundle` (or the system store)."""
    session = requests.Session()
    session.verify = ca_bundle or True
    session.mount("https://", AdaptateurTLS(contexte_tls_client(materiel, ca_bundle)))
    if agent:
        session.headers["User-Agent"] = agent
    return session
