"""Helpers for the DMP tests: the stand-in on a free loopback port with its own PKI, per-organisation
certificates issued by its CA, real clients, and the official CDA examples (tests/fixtures/cda)."""

from socle.connecteurs.commun.appelant import Appelant
from socle.connecteurs.commun.pki import cle_en_pem, en_pem
from socle.connecteurs.commun.tls import MaterielCertificat
from socle.connecteurs.dmp.client import ClientDmpSoap
from socle.connecteurs.dmp.configuration import ConfigurationDmp
from socle.connecteurs.dmp.interface import OID_INS_NIR_TEST, Code, ContexteAppel
from socle.connecteurs.dmp.standin import REPOSITORY_ID
from socle.connecteurs.dmp.vihf import Logiciel
from tests.chemins import CDA_DLU_OFFICIEL, CDA_N1_OFFICIEL

INS_TEST = "279035121518989"  # INS-NIR of test of the official examples
ROLE_INFIRMIER = Code("G15_60", "1.2.250.1.71.1.2.7", "Infirmier")
ROLE_AIDE_SOIGNANT = Code("313", "1.2.250.1.213.1.6.1.107", "Aide-soignant")


def dlu(uid_extension: str = "", version: str = "1") -> bytes:
    """The official DLU; with `uid_extension`, another document (new ClinicalDocument/id extension)."""
    cda = CDA_DLU_OFFICIEL.read_bytes()
    if uid_extension:
        cda = cda.replace(b'<id root="1.2.250.1.213.1.1.1.22.2022.1.1"/>',
                          f'<id root="1.2.250.1.213.1.1.1.22.2022.1.1" extension="{uid_extension}"/>'.encode(), 1)
        cda = cda.replace(b'<versionNumber value="1"/>', f'<versionNumber value="{version}"/>'.encode(), 1)
    return cda


def n1_medico_social() -> bytes:
    """The official non-structured example as a medico-social document (28653-4) of an EHPAD (SA17, ESSMS)."""
    cda = CDA_N1_OFFICIEL.read_bytes()
    cda = cda.replace(b'code="11502-2"', b'code="28653-4"', 1)
    return cda


def materiel(cert, cle, libelle: str) -> MaterielCertificat:
    return MaterielCertificat(contenu=en_pem(cert) + cle_en_pem(cle), libelle=libelle)


class Organisation:
    """An organisation with its DMP certificates issued by the stand-in's CA (authentication + RSA signature)."""

    def __init__(self, pki, nom: str, finess: str = "750000001", *, autorite=None):
        auth = pki.emettre_certificat("DMP-AUTH", nom, usage="auth")
        if autorite is None:
            sign = pki.emettre_certificat("DMP-SIGN", nom, usage="sign")
        else:  # a signature certificate from another CA (not trusted by the stand-in)
            sign = autorite.emettre("DMP-SIGN", organisation=nom, usage="sign", algorithme="rsa")
        self.nom, self.finess = nom, finess
        self.certificats = {"DMP-AUTH": materiel(*auth, f"DMP-AUTH {nom}"), "DMP-SIGN": materiel(*sign, f"DMP-SIGN {nom}")}
        self.appelant = Appelant(organisme_finess=finess, organisme_nom=nom, personne="test")

    def __call__(self, appelant, usage):
        return self.certificats.get(usage)

    def contexte(self, ins: str = INS_TEST, role: Code | None = ROLE_AIDE_SOIGNANT) -> ContexteAppel:
        return ContexteAppel(structure_id=f"1{self.finess}", structure_nom=self.nom, utilisateur_id="00B1234",
                             utilisateur_nom="DUPONT Claire", ins=ins, ins_oid=OID_INS_NIR_TEST,
                             profession=ROLE_INFIRMIER, role_prise_charge=role)


def configuration(bouchon, timeout: float = 10.0) -> ConfigurationDmp:
    return ConfigurationDmp(url=bouchon.url_base, logiciel=Logiciel("LPS-TEST", "Socle", "0.1.0", "HOMOLOGATION-TEST"),
                            source_id="1.2.250.1.999.2.1", ca_bundle=str(bouchon.pki.ca), repository_id=REPOSITORY_ID,
                            timeout=timeout, bouchon=True)


def client(bouchon, organisation: Organisation, timeout: float = 10.0) -> ClientDmpSoap:
    return ClientDmpSoap(configuration(bouchon, timeout), organisation, organisation.appelant)

