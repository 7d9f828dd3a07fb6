"""XDS metadata derived from the CDA header (no network): every value from the header or the vendored NOS
tables, and a French message naming the element when something the DMP needs is missing."""

import pytest

from socle.connecteurs.dmp import tables
from socle.connecteurs.dmp.metadonnees import MetadonneesInvalides, fiche_depuis_cda, instant_hl7_utc
from tests.connecteurs.dmp_outils import dlu, n1_medico_social


def test_dlu_metadonnees():
    f = fiche_depuis_cda(dlu(), masquage=("INVISIBLE_PATIENT",))
    assert f.unique_id == "1.2.250.1.213.1.1.1.22.2022.1.1"
    assert f.type_code.code == "74207-2" and f.type_code.schema == "2.16.840.1.113883.6.1"
    assert f.format_code.code == "urn:asip:ci-sis:dlu:2015"
    assert [c.code for c in f.confidentialite] == ["N", "INVISIBLE_PATIENT"]
    assert f.service_debut == "20200327143500" and f.service_fin == "20200327145500"
    assert f.titre == "DOCUMENT DE LIAISON D'URGENCE"
    assert len(f.hash) == 40 and f.taille == len(dlu())


def test_pdf_non_structure():
    f = fiche_depuis_cda(n1_medico_social())
    assert f.format_code == tables.FORMAT_PDF
    assert f.class_code.schema == tables.OID_CLASSE


def test_sans_ins_refuse():
    cda = dlu().replace(b'root="1.2.250.1.213.1.4.10"', b'root="1.2.3.4"', 1)
    with pytest.raises(MetadonneesInvalides, match="recordTarget/patientRole/id"):
        fiche_depuis_cda(cda)


def test_type_hors_jdv_j07_refuse():
    with pytest.raises(MetadonneesInvalides, match="JDV_J07"):
        fiche_depuis_cda(dlu().replace(b'code="74207-2"', b'code="99999-9"', 1))


def test_secteur_hors_jdv_j02_refuse():
    with pytest.raises(MetadonneesInvalides, match="JDV_J02"):
        fiche_depuis_cda(dlu().replace(b'code="SA17"', b'code="SA99"', 1))


def test_masquage_inconnu_refuse():
    with pytest.raises(MetadonneesInvalides, match="MASQUE_PS"):
        fiche_depuis_cda(dlu(), masquage=("CACHE",))


def test_table_x04_officielle_chargeable(tmp_path, settings):
    officielle = tmp_path / "x04.csv"
    officielle.write_text("type_code;classe_code;classe_libelle\n74207-2;10;Compte rendu\n", encoding="utf-8")
    settings.SOCLE_DMP_TABLE_X04 = str(officielle)
    f = fiche_depuis_cda(dlu())
    assert f.class_code.code == "10" and f.notes == ()  # the official table: no "à vérifier" note


@pytest.mark.parametrize(("valeur", "attendu"), [
    ("20200327153500+0100", "20200327143500"),
    ("20200327", "20200327000000"),
    ("202003271535-0200", "20200327173500"),
])
def test_instant_utc(valeur, attendu):
    assert instant_hl7_utc(valeur) == attendu
