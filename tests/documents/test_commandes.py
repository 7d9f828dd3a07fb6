"""`socle documents export` and `socle documents matrice`: one CDA file per document, the matrix loaded
atomically with a French message naming the line."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command
from lxml import etree

from socle.documents import droits, services
from socle.documents.models import MatriceAcces
from socle.documents.validation import valider_cda
from tests.documents.factories import (  # noqa: F401
    PDF_MINIMAL,
    dlu,
    fixture_ehpad,
    fixture_infirmiere,
    fixture_resident,
    fixture_resident_prov,
)


def test_export_un_xml_par_document(tmp_path, resident, resident_prov, ehpad, infirmiere):
    d1 = dlu(resident, ehpad, infirmiere)
    services.valider(d1, par=infirmiere)
    services.creer_pdf(
        resident_prov,
        ehpad,
        par=infirmiere,
        type_code="88348-8",
        titre="Lettre d'entrée",
        pdf=PDF_MINIMAL,
        date_acte=date(2026, 10, 1),
    )
    supprime = services.creer_pdf(
        resident,
        ehpad,
        par=infirmiere,
        type_code="28653-4",
        titre="Erreur",
        pdf=PDF_MINIMAL,
        date_acte=date(2026, 10, 2),
    )
    services.supprimer(supprime, "doublon", par=infirmiere)
    call_command("documents", "export", "--esms", ehpad.finess, "--out", str(tmp_path / "cda"))
    fichiers = sorted((tmp_path / "cda").glob("*.xml"))
    assert len(fichiers) == 2
    for f in fichiers:
        racine = etree.parse(str(f)).getroot()
        assert racine.tag == "{urn:hl7-org:v3}ClinicalDocument"
    assert fichiers[0].read_text() == d1.cda
    assert valider_cda(fichiers[1].read_bytes(), "N1").valide
    with pytest.raises(CommandError, match="n'est pas vide"):
        call_command("documents", "export", "--esms", ehpad.finess, "--out", str(tmp_path / "cda"))
    with pytest.raises(CommandError, match="Aucun ESMS"):
        call_command("documents", "export", "--esms", "000000000", "--out", str(tmp_path / "x"))


def test_matrice_chargee_exportee_et_refusee(tmp_path, db):
    assert droits.matrice_active().a_verifier and droits.matrice_active().version == 1
    f = tmp_path / "m.csv"
    f.write_text("type_code;role;genre_activite;lecture\n74207-2;60;*;oui\n74207-2;313;GENR11;non\n")
    call_command("documents", "matrice", "--charger", str(f), "--officielle")
    m = droits.matrice_active()
    assert m.version == 2 and not m.a_verifier and m.regles.count() == 2
    f.write_text("type_code;role;genre_activite;lecture\n74207-2;60;*;oui\nXXXX;60;*;oui\n")
    with pytest.raises(CommandError, match="Ligne 3 : type « XXXX » absent de JDV_J07"):
        call_command("documents", "matrice", "--charger", str(f))
    assert MatriceAcces.objects.count() == 2
    sortie = tmp_path / "export.csv"
    call_command("documents", "matrice", "--exporter", str(sortie))
    assert sortie.read_text().splitlines() == [
        "type_code;role;genre_activite;lecture",
        "74207-2;313;GENR11;non",
        "74207-2;60;*;oui",
    ]
