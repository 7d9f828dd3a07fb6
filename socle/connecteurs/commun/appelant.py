"""On whose behalf a connector call is made, and where its credentials come from.

Every call to a national service is made for an explicit caller: the organisation (the OG whose software
certificate authenticates the call) and, later, the person (Pro Santé Connect, CPS). The connector does not
look the credentials up itself (it may not import the domain apps): the caller's certificate material is
handed in through a `FournisseurCertificats`, implemented on the domain side (the prerequisites cockpit's
`certificat_pour(organisme, usage)`, wired by the use case that makes the call).
"""

from dataclasses import dataclass
from typing import Protocol

from .tls import MaterielCertificat


@dataclass(frozen=True)
class Appelant:
    """The caller: organisation FINESS and name; `personne` identifies the person when one triggers the
    call (user name today, RPPS / Pro Santé Connect subject later), None for unattended calls."""

    organisme_finess: str
    organisme_nom: str
    personne: str | None = None

    def __str__(self) -> str:
        org = f"{self.organisme_nom} (FINESS {self.organisme_finess})" if self.organisme_finess else self.organisme_nom
        return f"{org}, pour {self.personne}" if self.personne else org


# The installation itself, when it acts as its single organisation (explicit fallback, command-line tools).
INSTALLATION = Appelant(organisme_finess="", organisme_nom="installation")


class FournisseurCertificats(Protocol):
    """Gives the certificate material (certificate + private key) `appelant` uses for `usage` (e.g.
    "INSI-AUTO", "INSI-MANU"), or None when it has none: the connector then refuses without calling."""

    def __call__(self, appelant: Appelant, usage: str) -> MaterielCertificat | None: ...
