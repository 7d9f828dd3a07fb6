"""End-to-end in chromium: the admission uploads the demo SAAD's FHIR export, reads the dry run, validates it,
then downloads the export back; the administrateur technique creates the DUI's API token, which the API
accepts."""

import json
from pathlib import Path

import pytest
from django.test import Client

from socle.comptes.models import Fonction
from socle.usagers.echanges import demo as demo_dui
from socle.usagers.models import IdentifiantLocal, Usager
from tests.authentification import avec_second_facteur
from tests.browser import page_chromium, se_connecter
from tests.comptes.factories import UtilisateurFactory
from tests.organisations.factories import EtablissementFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_import_du_dui_puis_export_et_jeton_dans_le_navigateur(live_server):
    et = EtablissementFactory(categorie_code="460")
    admission = UtilisateurFactory(username="dui-admission")
    admission.habilitations.create(fonction=Fonction.ADMISSION, etablissement=et)
    avec_second_facteur(admission)  # identities need PSC or the second factor
    info = UtilisateurFactory(username="dui-informatique")
    info.habilitations.create(fonction=Fonction.ADMIN_TECHNIQUE, etablissement=et)
    avec_second_facteur(info)
    with page_chromium(accept_downloads=True) as page:
        se_connecter(page, live_server.url, "dui-admission", "motdepasse-test")
        page.goto(f"{live_server.url}/usagers/")
        page.click("text=Échanges avec le DUI")
        page.set_input_files("#id_fichier", str(demo_dui.DOSSIER / "saad.json"))
        page.click("text=Simuler l'import")
        page.wait_for_selector("text=Valider l'import")
        assert Usager.objects.count() == 0
        page.screenshot(path="test-results/usagers-dui-simulation.png", full_page=True)
        page.click("text=Valider l'import")
        page.wait_for_selector("text=Import enregistré")
        assert IdentifiantLocal.objects.filter(etablissement=et).count() == demo_dui.N
        page.goto(f"{live_server.url}/usagers/echanges/{et.finess}/")
        page.select_option("#id_export-format", "fhir")
        with page.expect_download() as dl:
            page.click("text=Télécharger l'export")
        contenu = Path(dl.value.path()).read_bytes()
        assert contenu[:1] == b"{", contenu[:300]
        bundle = json.loads(contenu)
        assert len(bundle["entry"]) == demo_dui.N
    with page_chromium() as page:
        se_connecter(page, live_server.url, "dui-informatique", "motdepasse-test")
        page.goto(f"{live_server.url}/usagers/echanges/{et.finess}/")
        page.fill("#id_jeton-nom", "DUI de démonstration")
        page.click("text=Créer un jeton")
        jeton = page.input_value("#jeton")
        page.screenshot(path="test-results/usagers-dui-jeton.png", full_page=True)
    r = Client().get("/api/fhir/Patient", {"_lastUpdated": "gt2000-01-01"}, HTTP_AUTHORIZATION=f"Bearer {jeton}")
    assert r.status_code == 200 and r.json()["total"] == demo_dui.N
