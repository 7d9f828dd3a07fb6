"""The documents screens: DLU form → validation, upload limits, rights matrix (403 + audited), ESMS queue."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from socle.audit.models import EvenementAudit
from socle.comptes.models import Fonction
from socle.documents import services
from socle.documents.models import Document, Statut
from tests.comptes.factories import utilisateur_avec
from tests.documents.factories import (  # noqa: F401
    CONTENU_DLU,
    PDF_MINIMAL,
    dlu,
    fixture_ehpad,
    fixture_infirmiere,
    fixture_resident,
    fixture_resident_prov,
    professionnel_avec_compte,
)


def _post_dlu(client, resident, ehpad):
    data = {k: v for k, v in CONTENU_DLU.items()}
    data.update({"date_acte": "2026-12-01", "etablissement": ehpad.pk})
    return client.post(reverse("documents:dlu_nouveau", args=[resident.pk]), data)


def test_infirmiere_remplit_valide_et_demande_l_envoi(client, resident, ehpad, infirmiere):
    client.force_login(infirmiere)
    r = _post_dlu(client, resident, ehpad)
    doc = Document.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("documents:document", args=[doc.pk])
    assert doc.contenu["etat"] == ["62476001", "161898004"] and doc.contenu["poids"] == "58"
    r = client.post(reverse("documents:valider", args=[doc.pk]), follow=True)
    doc.refresh_from_db()
    assert doc.statut == Statut.VALIDE
    assert "conforme au XSD" in r.content.decode()
    assert "Pénicilline" in r.content.decode() and "désorienté(e)" in r.content.decode()  # the DLU's content
    r = client.post(reverse("documents:envoyer", args=[doc.pk]), follow=True)
    assert "Envoi au DMP demandé" in r.content.decode()
    page = client.get(reverse("documents:usager", args=[resident.pk])).content.decode()
    assert "Dossier de liaison d&#x27;urgence" in page or "Dossier de liaison d'urgence" in page
    assert client.get(reverse("documents:pdf", args=[doc.pk]))["Content-Type"] == "application/pdf"
    cda = client.get(reverse("documents:cda", args=[doc.pk]))
    assert cda.content.startswith(b"<?xml") and resident.ins.encode() in cda.content


def test_envoi_refuse_identite_non_qualifiee(client, resident_prov, ehpad, infirmiere):
    client.force_login(infirmiere)
    doc = services.creer_pdf(
        resident_prov,
        ehpad,
        par=infirmiere,
        type_code="28653-4",
        titre="Note sociale",
        pdf=PDF_MINIMAL,
        date_acte=date(2026, 11, 3),
    )
    services.valider(doc, par=infirmiere)
    r = client.post(reverse("documents:envoyer", args=[doc.pk]), follow=True)
    assert "pas qualifiée" in r.content.decode()


def test_depot_pdf_limites(client, resident, ehpad, infirmiere, settings):
    client.force_login(infirmiere)
    url = reverse("documents:deposer", args=[resident.pk])
    base = {
        "etablissement": ehpad.pk,
        "type_code": "80788-3",
        "titre": "PPA",
        "date_acte": "2026-11-02",
        "confidentialite": "N",
    }
    r = client.post(url, {**base, "fichier": SimpleUploadedFile("x.pdf", b"pas un pdf")}, follow=True)
    assert "n&#x27;est pas un PDF" in r.content.decode() or "n'est pas un PDF" in r.content.decode()
    settings.SOCLE_DOCUMENTS_MAX_PDF = 100
    r = client.post(url, {**base, "fichier": SimpleUploadedFile("x.pdf", PDF_MINIMAL)}, follow=True)
    assert "SOCLE_DOCUMENTS_MAX_PDF" in r.content.decode()
    assert not Document.objects.exists()
    settings.SOCLE_DOCUMENTS_MAX_PDF = 10_000
    r = client.post(url, {**base, "fichier": SimpleUploadedFile("x.pdf", PDF_MINIMAL)})
    assert Document.objects.get().statut == Statut.BROUILLON


@pytest.mark.parametrize(
    "role,genre,type_code,lit",
    [
        ("331", "GENR09", "74207-2", False),  # secrétaire médico-administrative: pas le DLU
        ("313", "GENR11", "74207-2", True),  # aide-soignant: le DLU
        ("328", "GENR10", "34842-5", False),  # AES, vie sociale: pas la grille d'évaluation
    ],
)
def test_matrice_refus_403_trace(client, resident, ehpad, infirmiere, role, genre, type_code, lit):
    if type_code == "74207-2":
        doc = dlu(resident, ehpad, infirmiere)
    else:
        doc = services.creer_pdf(
            resident,
            ehpad,
            par=infirmiere,
            type_code=type_code,
            titre="Titre XYZ-UNIQUE",
            pdf=PDF_MINIMAL,
            date_acte=date(2026, 11, 3),
        )
    lecteur = professionnel_avec_compte(ehpad, profession="99", role=role, genre=genre, n=7)
    client.force_login(lecteur)
    r = client.get(reverse("documents:document", args=[doc.pk]))
    refus = EvenementAudit.objects.filter(
        objet_type="documents.Document", objet_id=str(doc.pk), details__refus="matrice", utilisateur=lecteur
    )
    if lit:
        assert r.status_code == 200 and not refus.exists()
    else:
        assert r.status_code == 403 and refus.count() == 1
        assert refus.get().details["role"] == role
        assert client.get(reverse("documents:cda", args=[doc.pk])).status_code == 403
        liste = client.get(reverse("documents:usager", args=[resident.pk])).content.decode()
        assert doc.titre not in liste and "que votre rôle ne lit pas" in liste


def test_hors_perimetre_404_et_file_esms(client, resident, ehpad, infirmiere):
    doc = dlu(resident, ehpad, infirmiere)
    from tests.organisations.factories import EtablissementFactory

    ailleurs = professionnel_avec_compte(EtablissementFactory(), n=9)
    client.force_login(ailleurs)
    assert client.get(reverse("documents:document", args=[doc.pk])).status_code == 404
    assert client.get(reverse("documents:usager", args=[resident.pk])).status_code == 404
    directrice = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=ehpad.organisme)
    client.force_login(directrice)
    page = client.get(reverse("documents:esms")).content.decode()
    assert "En attente (1)" in page and resident.nom_naissance in page
    assert client.get(reverse("documents:document", args=[doc.pk])).status_code == 404  # no content for her
