"""DMP helpers for the documents tests: a stand-in of the test's own (tmp PKI and base) wired through the
settings, the organisation's DMP certificates deposited in the prerequisites cockpit (PKCS#12 issued by the
stand-in's CA), and a valid CDA for a document (the official DLU example carrying the resident's INS)."""

import pytest

from socle.connecteurs.commun.pki import en_p12
from socle.connecteurs.dmp.pki import assurer_pki
from socle.connecteurs.dmp.standin import BouchonDmp
from socle.documents.models import Document, Statut
from socle.prerequis import services as prerequis
from tests.chemins import CDA_DLU_OFFICIEL

MOT_DE_PASSE = "mot de passe de test"


@pytest.fixture(name="bouchon_dmp")
def fixture_bouchon_dmp(tmp_path_factory, settings):
    pki = assurer_pki(tmp_path_factory.mktemp("pki-dmp"))
    with BouchonDmp(pki, tmp_path_factory.mktemp("dmp") / "dmp.sqlite3") as b:
        settings.SOCLE_DMP_URL = b.url_base
        settings.SOCLE_DMP_CA_BUNDLE = str(pki.ca)
        settings.SOCLE_DMP_HOMOLOGATION = "HOMOLOGATION-TEST"
        settings.SOCLE_DMP_LPS_ID = "LPS-TEST"
        settings.SOCLE_DMP_SOURCE_ID = "1.2.250.1.999.3"
        settings.SOCLE_DMP_REPOSITORY_ID = "1.2.250.1.999.1.1.8"
        settings.SOCLE_DMP_ATTENTE_BASE = 60.0
        yield b


def deposer_certificats_dmp(og, pki, *, signature: bool = True) -> None:
    """The OG's DMP authentication (and signature) certificates, as PKCS#12 in the cockpit."""
    usages = [("DMP-AUTH", "auth")] + ([("DMP-SIGN", "sign")] if signature else [])
    for cn, usage in usages:
        cert, cle = pki.emettre_certificat(cn, og.raison_sociale, usage=usage)
        prerequis.enregistrer_certificat(og, en_p12(cert, cle, MOT_DE_PASSE, cn), f"{cn}.p12", MOT_DE_PASSE)


def cda_pour(document: Document, extension: str = "") -> str:
    """The official DLU with the resident's INS in recordTarget and the document's own id."""
    usager = document.usager
    cda = CDA_DLU_OFFICIEL.read_text(encoding="utf-8")
    cda = cda.replace('<id extension="279035121518989" root="1.2.250.1.213.1.4.10"/>',
                      f'<id extension="{usager.ins}" root="{usager.oid_ins}"/>', 1)
    cda = cda.replace('<id root="1.2.250.1.213.1.1.1.22.2022.1.1"/>',
                      f'<id root="1.2.250.1.213.1.1.1.22.2022.1.1" extension="{document.uid.hex}{extension}"/>', 1)
    return cda


def valide(document: Document, cda: str | None = None) -> Document:
    """The document as `services.valider` leaves it, with the given (or a valid official) CDA."""
    Document.objects.filter(pk=document.pk).update(statut=Statut.VALIDE, cda=cda or cda_pour(document),
                                                   rapport={"erreurs": [], "couches": ["test"]})
    document.refresh_from_db()
    return document

