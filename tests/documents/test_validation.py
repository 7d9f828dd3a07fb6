"""CDA validity: the vendored ANS kit accepts the official examples, Socle's DLU and N1 documents pass every
layer, a mutated document fails, and a non-qualified identity carries no INS."""

import hashlib

import pytest
from lxml import etree

from socle.documents import services
from socle.documents.cda import construire
from socle.documents.models import Statut
from socle.documents.validation import KIT, valider_cda
from tests.chemins import CDA_DLU_OFFICIEL, CDA_N1_OFFICIEL
from tests.documents.factories import (  # noqa: F401
    PDF_MINIMAL,
    dlu,
    fixture_ehpad,
    fixture_infirmiere,
    fixture_resident,
    fixture_resident_prov,
)

NS = {"c": "urn:hl7-org:v3"}


def test_kit_intact():
    manifeste = KIT.parent / "kit.sha256"
    assert hashlib.sha256(manifeste.read_bytes()).hexdigest() == (
        "ead24cf1c5c58ed7497dc876b742c5acf66d5e03549420dbf7fc7d6c9a06b0e3"
    )
    for ligne in manifeste.read_text().splitlines()[:50]:
        empreinte, chemin = ligne.split("  ", 1)
        assert hashlib.sha256((KIT / chemin).read_bytes()).hexdigest() == empreinte, chemin


def test_exemples_officiels_valides_et_exemple_mute_refuse():
    dlu_officiel = CDA_DLU_OFFICIEL.read_bytes()
    assert valider_cda(dlu_officiel, "DLU").valide
    assert valider_cda(CDA_N1_OFFICIEL.read_bytes(), "N1").valide
    mute = dlu_officiel.replace(b'root="1.2.250.1.213.1.1.1.22"', b'root="1.2.250.1.213.1.1.1.99"', 1)
    rapport = valider_cda(mute, "DLU")
    assert not rapport.valide
    assert any(
        "1.2.250.1.213.1.1.1.22" in e.message and e.couche.startswith("DLU-EHPAD") for e in rapport.erreurs
    )


def test_dlu_d_un_resident_passe_toutes_les_couches(resident, ehpad, infirmiere):
    doc = dlu(resident, ehpad, infirmiere)
    services.valider(doc, par=infirmiere)
    assert doc.statut == Statut.VALIDE and doc.valide_cda
    assert doc.rapport["couches"] == [
        "XSD",
        "Structuration minimale",
        "CI-SIS_ModelesDeContenusCDA",
        "IHE",
        "DLU-EHPAD (CI-SIS_DLU-EHPAD-DLU_2022.01)",
    ]
    racine = etree.fromstring(doc.cda.encode())
    ids = racine.xpath("//c:recordTarget/c:patientRole/c:id", namespaces=NS)
    assert ids[0].get("extension") == resident.ins and ids[0].get("root") == "1.2.250.1.213.1.4.10"
    assert racine.xpath("string(//c:patient/c:birthplace/c:place/c:addr/c:county)", namespaces=NS) == "69123"
    assert "Pénicilline" in doc.cda and "Amlodipine 5 mg" in doc.cda


def test_dlu_mute_refuse_avec_messages_en_francais(resident, ehpad, infirmiere):
    doc = dlu(resident, ehpad, infirmiere)
    xml = construire(doc)
    racine = etree.fromstring(xml)
    bmr = racine.xpath("//c:section[c:templateId/@root='1.3.6.1.4.1.19376.1.5.3.1.3.28']", namespaces=NS)[0]
    bmr.getparent().getparent().remove(bmr.getparent())
    rapport = valider_cda(etree.tostring(racine), "DLU")
    assert not rapport.valide
    assert any("bactérie multirésistante" in e.message for e in rapport.erreurs)


def test_identite_non_qualifiee_sans_ins_et_pas_d_envoi(resident_prov, ehpad, infirmiere):
    from datetime import date

    doc = services.creer_pdf(
        resident_prov,
        ehpad,
        par=infirmiere,
        type_code="34842-5",
        titre="Grille AGGIR",
        pdf=PDF_MINIMAL,
        date_acte=date(2026, 11, 20),
    )
    services.valider(doc, par=infirmiere)
    assert doc.statut == Statut.VALIDE and doc.rapport["couches"] == ["XSD", "Structuration minimale"]
    racine = etree.fromstring(doc.cda.encode())
    roots = racine.xpath("//c:recordTarget/c:patientRole/c:id/@root", namespaces=NS)
    assert roots and not any(r.startswith("1.2.250.1.213.1.4.") for r in roots)
    assert not racine.xpath("//c:patient/c:birthplace", namespaces=NS)
    raisons = services.demander_envoi(doc, infirmiere)
    assert any("pas qualifiée" in r for r in raisons)


def test_document_invalide_reste_en_brouillon(resident, ehpad, infirmiere, monkeypatch):
    doc = dlu(resident, ehpad, infirmiere)
    monkeypatch.setattr(services, "construire_cda", lambda d: construire(d).replace(b"74207-2", b"11111-1"))
    with pytest.raises(services.DocumentInvalide) as exc:
        services.valider(doc, par=infirmiere)
    doc.refresh_from_db()
    assert doc.statut == Statut.BROUILLON and doc.rapport["erreurs"] and exc.value.erreurs
    assert services.demander_envoi(doc, infirmiere)
