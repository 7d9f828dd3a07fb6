"""End-to-end: an ADMISSION user opens an usager, checks the document, calls INSi (local stand-in over real
HTTPS), sees the comparison, accepts, and sees « Identité qualifiée »."""

from datetime import date

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from socle.comptes.models import Fonction
from socle.connecteurs.insi.standin import bouchon_local
from socle.usagers import services
from tests.browser import page_chromium, se_connecter
from tests.comptes.factories import UtilisateurFactory
from tests.organisations.factories import EtablissementFactory
from tests.usagers.factories import deposer_certificat_insi


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_qualification_a_l_admission_dans_le_navigateur(live_server):
    journal = bouchon_local().journal
    journal.vider()
    et = EtablissementFactory(categorie_code="500")
    manu = deposer_certificat_insi(et.organisme, "INSI-MANU")  # the OG's own certificate, from the cockpit
    user = UtilisateurFactory(username="julie-admission")
    user.habilitations.create(fonction=Fonction.ADMISSION, etablissement=et)
    TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True)  # identities need the second factor
    u = services.creer_usager(et.organisme, et, {"nom_naissance": "Adrtrois", "prenoms_naissance": "Dominique",
                                                 "sexe": "F", "date_naissance": date(1997, 2, 26),
                                                 "lieu_naissance": "2A020"})
    services.creer_usager(et.organisme, et, {"nom_naissance": "Demoautre", "prenoms_naissance": "Basile",
                                             "sexe": "M", "date_naissance": date(1950, 1, 1),
                                             "lieu_naissance": "69123"})
    with page_chromium() as page:
        se_connecter(page, live_server.url, "julie-admission", "motdepasse-test")  # password, then TOTP code
        page.goto(f"{live_server.url}/usagers/")
        assert page.locator("#liste tbody tr").count() == 2
        page.fill("#q", "ADRT")  # instant search (htmx) narrows the list without reloading the page
        page.wait_for_url("**q=ADRT**")
        assert page.locator("#liste tbody tr").count() == 1
        page.click("text=ADRTROIS")
        assert page.locator("[data-statut=PROV]").first.is_visible()
        page.click("text=Qualifier l'identité")
        page.select_option("#id_type_justificatif", "PA")
        page.check("#id_controle_fait")
        page.click("#appeler-insi")
        page.wait_for_selector("#accepter-insi", timeout=20000)
        assert "297022A020778" in page.content()
        page.screenshot(path="test-results/usagers-qualification-comparaison.png", full_page=True)
        page.click("#accepter-insi")
        page.wait_for_selector("text=Identité qualifiée")
        page.screenshot(path="test-results/usagers-qualification-qualifiee.png", full_page=True)
        assert page.locator("[data-statut=QUAL]").first.is_visible()
    u.refresh_from_db()
    assert u.statut == "QUAL" and u.ins == "297022A02077878"
    assert [(a.cn, a.serie) for a in journal.appels] == [("INSI-MANU", manu.numero_serie)]
