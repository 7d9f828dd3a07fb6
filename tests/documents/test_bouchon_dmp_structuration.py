"""The DMP stand-in as `socle dmp-standin` runs it: the CDA it receives also goes through the
structuration-minimale schematron of the vendored ANS kit; a document breaking the CI-SIS header is refused
with the schematron's own message (XDSRegistryError)."""

import pytest

from socle.connecteurs.dmp.interface import DmpErreurPermanente
from socle.connecteurs.dmp.pki import assurer_pki
from socle.connecteurs.dmp.standin import BouchonDmp
from socle.documents.management.commands.dmp_standin import structuration_minimale
from tests.connecteurs.dmp_outils import Organisation, client, dlu

SET_ID = b'<setId root="1.2.250.1.213.1.1.1.22.2022.1"/>'


def test_exemple_officiel_conforme_et_mutation_refusee():
    assert structuration_minimale(dlu()) == []
    # without setId: valid for the CDA XSD, not for the CI-SIS header
    erreurs = structuration_minimale(dlu().replace(SET_ID, b"", 1))
    assert erreurs == ["Structuration minimale : (SMDS_CDAClinicalDocument): element hl7:setId[not(@nullFlavor)] "
                       "is mandatory [min 1x]."]


def test_bouchon_refuse_un_cda_hors_structuration_minimale(tmp_path):
    pki = assurer_pki(tmp_path / "pki")
    org = Organisation(pki, "EHPAD LES TILLEULS")
    with BouchonDmp(pki, tmp_path / "dmp.sqlite3", valideurs_cda=[structuration_minimale]) as b:
        c = client(b, org, timeout=120)
        c.envoyer(dlu(), org.contexte())
        with pytest.raises(DmpErreurPermanente) as exc:
            c.envoyer(dlu("2").replace(SET_ID, b"", 1), org.contexte())
        assert b.registre.compter() == 1
    assert exc.value.code == "XDSRegistryError" and "Structuration minimale" in str(exc.value)
    assert "XSD" not in str(exc.value)
