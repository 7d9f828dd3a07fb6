"""Typed configuration of the DMP connector, from the settings (`SOCLE_DMP_*`, environment).

The CNAM's DMP integration guide (endpoints, WSDL, homologation, access matrix) is not public: every
DMP-specific value is configuration. SOCLE_DMP_URL empty selects the local stand-in (started on demand on
127.0.0.1 in a background thread, with its own test CA). Otherwise:
  SOCLE_DMP_URL                base URL of the DMP web services (the registry and repository paths below)
  SOCLE_DMP_CHEMIN_REPOSITORY  path of the repository service (ITI-41, ITI-43), default "/repository"
  SOCLE_DMP_CHEMIN_REGISTRE    path of the registry service (ITI-18, ITI-57), default "/registry"
  SOCLE_DMP_REPOSITORY_ID      repositoryUniqueId used by ITI-43 when the query gave none
  SOCLE_DMP_CA_BUNDLE          PEM bundle of the DMP server's CA
  SOCLE_DMP_HOMOLOGATION       DMP homologation number of the software (VIHF LPS_ID_HOMOLOGATION_DMP)
  SOCLE_DMP_LPS_ID / _NOM / _VERSION   software identifiers carried in the VIHF
  SOCLE_DMP_SOURCE_ID          OID of this installation as XDS source (SubmissionSet.sourceId and uniqueIds)
  SOCLE_DMP_TIMEOUT            seconds per call
"""

from dataclasses import dataclass

from .interface import DmpErreurPermanente
from .vihf import Logiciel


@dataclass(frozen=True)
class ConfigurationDmp:
    url: str
    logiciel: Logiciel
    source_id: str
    chemin_repository: str = "/repository"
    chemin_registre: str = "/registry"
    repository_id: str = ""
    ca_bundle: str = ""
    timeout: float = 20.0
    bouchon: bool = False

    @property
    def url_repository(self) -> str:
        return self.url.rstrip("/") + self.chemin_repository

    @property
    def url_registre(self) -> str:
        return self.url.rstrip("/") + self.chemin_registre

    def verifier(self) -> None:
        manque = [nom for nom, v in (("SOCLE_DMP_URL", self.url), ("SOCLE_DMP_HOMOLOGATION", self.logiciel.homologation),
                                     ("SOCLE_DMP_LPS_ID", self.logiciel.identifiant),
                                     ("SOCLE_DMP_SOURCE_ID", self.source_id)) if not v]
        if manque:
            raise DmpErreurPermanente("Configuration DMP incomplète : " + ", ".join(manque) + " non renseigné(s).",
                                      code="configuration")


def configuration() -> ConfigurationDmp:
    """The ConfigurationDmp of the settings (the local stand-in's, started if needed, when SOCLE_DMP_URL is empty)."""
    from django.conf import settings

    def s(nom: str, defaut: str = "") -> str:
        return str(getattr(settings, nom, "") or defaut)

    url = s("SOCLE_DMP_URL")
    bouchon = not url
    logiciel = Logiciel(
        identifiant=s("SOCLE_DMP_LPS_ID", "BOUCHON-SOCLE" if bouchon else ""),
        nom=s("SOCLE_DMP_LPS_NOM", "Socle"),
        version=s("SOCLE_DMP_LPS_VERSION", "0.1.0"),
        homologation=s("SOCLE_DMP_HOMOLOGATION", "BOUCHON-HOMOLOGATION" if bouchon else ""),
    )
    commun = {
        "logiciel": logiciel,
        "source_id": s("SOCLE_DMP_SOURCE_ID", "1.2.250.1.999.1.1.7" if bouchon else ""),
        "timeout": float(getattr(settings, "SOCLE_DMP_TIMEOUT", 20.0)),
    }
    if bouchon:
        from .standin import REPOSITORY_ID, bouchon_local

        b = bouchon_local()
        return ConfigurationDmp(url=b.url_base, ca_bundle=str(b.pki.ca), repository_id=REPOSITORY_ID, bouchon=True,
                                **commun)
    return ConfigurationDmp(url=url, ca_bundle=s("SOCLE_DMP_CA_BUNDLE"), repository_id=s("SOCLE_DMP_REPOSITORY_ID"),
                            chemin_repository=s("SOCLE_DMP_CHEMIN_REPOSITORY", "/repository"),
                            chemin_registre=s("SOCLE_DMP_CHEMIN_REGISTRE", "/registry"), **commun)
