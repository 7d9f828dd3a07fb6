"""Typed configuration of the INSi connector, read from the settings (`SOCLE_INSI_*`, from the environment).

SOCLE_INSI_URL empty selects the local stand-in: started on demand on 127.0.0.1 in a background thread
once per process, with its own test CA (whose client certificates the organisations deposit in the demo and
the tests). Otherwise the CNAM endpoint, with SOCLE_INSI_CA_BUNDLE, SOCLE_INSI_IDAM, etc.

Credentials are not part of the configuration: each call is made for a caller with the certificate its
organisation deposited (see `socle.connecteurs.insi.client_pour`). The installation-wide certificates
(SOCLE_INSI_P12_* or SOCLE_INSI_CERT_* + SOCLE_INSI_KEY_*, password SOCLE_INSI_PASSWORD_* or its encrypted
form SOCLE_INSI_PASSWORD_*_CHIFFRE) are only
  - the explicit fallback of a single-organisation installation (SOCLE_INSI_CERTIFICATS_INSTALLATION=true):
    used when the calling organisation has deposited no certificate for the use;
  - what `socle ins search` presents (an installation-level tool, no organisation).
With the stand-in, the installation certificates are the stand-in's own test ones (O "Socle bouchon INSi").
"""

from dataclasses import dataclass

from ..commun.appelant import Appelant
from ..commun.erreurs import SecretIndechiffrable
from ..commun.secrets import dechiffrer
from ..commun.tls import MaterielCertificat
from .interface import InsiErreurPermanente, Mode

MODE_PAR_USAGE = {"INSI-AUTO": "AUTO", "INSI-MANU": "MANU"}


@dataclass(frozen=True)
class CertificatsInsi:
    """Certificate material per mode: AUTO = CN INSI-AUTO, MANU = CN INSI-MANU. Also a FournisseurCertificats
    that gives the same material whoever the caller (the installation's certificates)."""

    auto: MaterielCertificat | None = None
    manu: MaterielCertificat | None = None

    def pour(self, mode: Mode) -> MaterielCertificat | None:
        return self.auto if mode == "AUTO" else self.manu

    def __call__(self, appelant: Appelant, usage: str) -> MaterielCertificat | None:
        mode = MODE_PAR_USAGE.get(usage)
        return self.pour(mode) if mode else None


@dataclass(frozen=True)
class ConfigurationInsi:
    url: str  # CNAM endpoint, or the running local stand-in's
    ca_bundle: str = ""  # PEM bundle of the server's CA ("" = system store)
    idam: str = ""  # CNDA authorisation number of the software
    logiciel_nom: str = "Socle"
    logiciel_version: str = "0.1.0"
    instance: str = ""  # installation UUID
    emetteur: str = ""
    timeout: float = 10.0  # seconds per SOAP call
    bouchon: bool = False  # the URL is the local stand-in's (SOCLE_INSI_URL empty)
    repli_installation: bool = False  # SOCLE_INSI_CERTIFICATS_INSTALLATION: single-organisation fallback
    certificats_installation: CertificatsInsi | None = None  # loaded when the fallback or a tool needs them

    def __repr__(self) -> str:
        return f"ConfigurationInsi(url={self.url!r}, idam={self.idam!r}, timeout={self.timeout})"

    def verifier(self) -> None:
        """Refuse (permanent error) a configuration the CNAM would refuse anyway."""
        if not self.url:
            raise InsiErreurPermanente("Adresse du téléservice INSi (SOCLE_INSI_URL) absente.", code="configuration")
        if not self.idam:
            raise InsiErreurPermanente(
                "Numéro d'autorisation CNDA (SOCLE_INSI_IDAM) non configuré : le téléservice refuserait l'appel.",
                code="configuration",
            )


def secret(nom: str) -> str:
    """A certificate password from the settings: in clear (env) or encrypted with SOCLE_SECRETS_KEY
    (Fernet token in <NOM>_CHIFFRE, see socle.connecteurs.commun.secrets.chiffrer). Never logged."""
    from django.conf import settings

    clair = getattr(settings, nom, "") or ""
    chiffre = getattr(settings, f"{nom}_CHIFFRE", "") or ""
    if clair or not chiffre:
        return clair
    try:
        return dechiffrer(chiffre)
    except SecretIndechiffrable:
        raise InsiErreurPermanente(
            f"Le mot de passe chiffré {nom}_CHIFFRE ne se déchiffre pas avec la clé SOCLE_SECRETS_KEY.",
            code="certificat",
        ) from None


def certificats_settings() -> CertificatsInsi:
    """The installation-wide certificates of the settings (absent modes left empty)."""
    from django.conf import settings

    materiels = {}
    for mode in ("AUTO", "MANU"):
        materiel = MaterielCertificat(
            cert=getattr(settings, f"SOCLE_INSI_CERT_{mode}", "") or "",
            cle=getattr(settings, f"SOCLE_INSI_KEY_{mode}", "") or "",
            p12=getattr(settings, f"SOCLE_INSI_P12_{mode}", "") or "",
            libelle=f"INSI-{mode} de l'installation",
        )
        if materiel.renseigne:
            materiel = MaterielCertificat(**{**materiel.__dict__, "mot_de_passe": secret(f"SOCLE_INSI_PASSWORD_{mode}")})
        materiels[mode.lower()] = materiel if materiel.renseigne else None
    return CertificatsInsi(**materiels)


def configuration(installation: bool = False) -> ConfigurationInsi:
    """The ConfigurationInsi of the settings (the local stand-in's, started if needed, when SOCLE_INSI_URL is
    empty). The installation certificates are loaded when the fallback is on or `installation` asks."""
    from django.conf import settings

    commun = {
        "idam": getattr(settings, "SOCLE_INSI_IDAM", "") or "",
        "logiciel_nom": getattr(settings, "SOCLE_INSI_LOGICIEL_NOM", "Socle"),
        "logiciel_version": getattr(settings, "SOCLE_INSI_LOGICIEL_VERSION", "0.1.0"),
        "instance": getattr(settings, "SOCLE_INSI_INSTANCE", "") or "",
        "emetteur": getattr(settings, "SOCLE_INSI_EMETTEUR", "") or "",
        "timeout": float(getattr(settings, "SOCLE_INSI_TIMEOUT", 10.0)),
        "repli_installation": bool(getattr(settings, "SOCLE_INSI_CERTIFICATS_INSTALLATION", False)),
    }
    url = getattr(settings, "SOCLE_INSI_URL", "") or ""
    if not url:
        from .pki import P12_PASSWORD
        from .standin import bouchon_local

        bouchon = bouchon_local()
        pki = bouchon.pki
        commun["idam"] = commun["idam"] or "BOUCHON-SOCLE"
        return ConfigurationInsi(
            url=bouchon.url,
            ca_bundle=str(pki.ca),
            bouchon=True,
            certificats_installation=CertificatsInsi(
                auto=MaterielCertificat(cert=str(pki.auto.cert), cle=str(pki.auto.key),
                                        libelle="INSI-AUTO du bouchon (installation)"),
                manu=MaterielCertificat(p12=str(pki.manu_p12), mot_de_passe=P12_PASSWORD,
                                        libelle="INSI-MANU du bouchon (installation)"),
            ),
            **commun,
        )
    return ConfigurationInsi(
        url=url,
        ca_bundle=getattr(settings, "SOCLE_INSI_CA_BUNDLE", "") or "",
        certificats_installation=certificats_settings() if installation or commun["repli_installation"] else None,
        **commun,
    )
