"""End-to-end: a nurse fills the DLU of a resident, validates it (XSD + schematrons), sends it to the DMP; the
worker (`socle worker`, real loop) takes it from the outbox and sends it to the DMP stand-in over mutual TLS
with a signed VIHF; the nurse sees it accepted, then reads it back in « Consulter le DMP »."""

import pytest
from django.core.management import call_command

from socle.documents.envoi_dmp import unique_id_de
from socle.documents.models import Document
from socle.documents.validation import precompiler
from tests.authentification import avec_second_facteur
from tests.browser import page_chromium, se_connecter
from tests.documents.dmp_outils import deposer_certificats_dmp, fixture_bouchon_dmp  # noqa: F401
from tests.documents.factories import fixture_ehpad, fixture_infirmiere, fixture_resident  # noqa: F401


def _worker_dmp() -> None:
    """One pass of the real worker loop on the "dmp" queue, until it is empty."""
    call_command("socle_worker", "--batch", "--queue-name", "dmp", "--no-startup-delay", "--interval", "0.05")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_infirmiere_remplit_valide_envoie_le_dlu_et_le_voit_accepte(live_server, resident, ehpad, infirmiere,
                                                                      bouchon_dmp):
    deposer_certificats_dmp(ehpad.organisme, bouchon_dmp.pki)
    avec_second_facteur(infirmiere)  # documents need PSC or the second factor
    precompiler("DLU")  # the schematrons are compiled once per process, as a worker does at start
    with page_chromium() as page:
        page.set_default_timeout(60000)
        se_connecter(page, live_server.url, infirmiere.username, "motdepasse-test")
        page.goto(f"{live_server.url}/documents/usager/{resident.pk}/")
        page.click("text=Nouveau DLU")
        page.fill("#id_date_acte", "01/12/2026")
        page.fill("#id_medecin_nom", "Dr DÉMO Martin")
        page.fill("#id_allergies", "Pénicilline")
        page.fill("#id_traitements", "Amlodipine 5 mg : 1 le matin")
        page.fill("#id_etablissement_prefere", "Hôpital DÉMO Édouard-Herriot")
        page.click("button:has-text('Enregistrer le brouillon')")
        page.wait_for_selector("button:has-text('Valider')")
        page.click("button:has-text('Valider')")
        page.wait_for_selector("text=conforme au XSD", timeout=120000)
        page.click("button:has-text('Envoyer au DMP')")
        page.wait_for_selector("#envoi-dmp")
        assert "En attente d'envoi" in page.inner_text("#envoi-dmp")
        doc = Document.objects.get(usager=resident)
        _worker_dmp()
        page.reload()
        page.wait_for_selector("#envoi-dmp")
        assert "Accepté par le DMP" in page.inner_text("#envoi-dmp"), page.inner_text("#envoi-dmp")
        page.screenshot(path="test-results/documents-dlu-accepte-dmp.png", full_page=True)
        # read back from the DMP, after recording the resident's consent
        page.goto(f"{live_server.url}/documents/usager/{resident.pk}/dmp/")
        page.fill("#dmp-exprime", "L'usager")
        page.click("button:has-text('Enregistrer le consentement')")
        page.wait_for_selector("#dmp-documents")
        page.click("#dmp-documents >> text=Ouvrir")
        page.wait_for_selector("text=Pénicilline")
        page.screenshot(path="test-results/documents-dmp-consultation.png", full_page=True)
    doc.refresh_from_db()
    assert doc.statut == "accepte" and doc.envoi_dmp.etat == "accepte"
    (envoi,) = bouchon_dmp.journal.envois(unique_id_de(doc))
    assert envoi.resultat == "Success" and envoi.structure == f"1{ehpad.finess}"
