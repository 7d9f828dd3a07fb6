"""End to end in Debian's chromium: a nurse signs in through the stand-in's e-CPS page, chooses her EHPAD and
lands on her home page with her rights; a secretary without RPPS signs in with password + TOTP."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from socle.comptes.models import Fonction
from socle.web.psc import configuration
from tests.browser import code_totp, page_chromium
from tests.comptes.factories import UtilisateurFactory
from tests.organisations.factories import EtablissementFactory
from tests.personnel.factories import ProfessionnelFactory, SituationFactory, rpps_valide

from . import psc_outils


@pytest.fixture
def bouchon():
    b = psc_outils.demarrer()
    yield b
    configuration.installer_bouchon(None)
    b.arreter()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_infirmiere_avec_e_cps_choisit_son_ehpad(live_server, bouchon):
    et1 = EtablissementFactory(nom="EHPAD LES TILLEULS")
    et2 = EtablissementFactory(nom="EHPAD LES CHARMES", organisme=et1.organisme)
    pro = ProfessionnelFactory(organisme=et1.organisme, rpps=rpps_valide(777), nom_naissance="SOIN-NAVIGATEUR",
                               prenom_usuel="Claire")
    s1 = SituationFactory(professionnel=pro, etablissement=et1, profession="60", role="", genre_activite="")
    s2 = SituationFactory(professionnel=pro, etablissement=et2, profession="60", role="", genre_activite="")
    bouchon._identites = [psc_outils.identite_de(pro, [s1, s2])]
    with page_chromium() as page:
        page.goto(f"{live_server.url}/comptes/connexion/")
        page.click("#connexion-psc")
        page.wait_for_url(f"{bouchon.url}/auth?**")
        assert "Choisissez votre identité de test" in page.content()
        page.check(f"input[value='8{pro.rpps}']")
        page.click("button[value=approuver]")
        page.wait_for_url("**/comptes/pro-sante-connect/situation/")
        page.click("text=EHPAD LES CHARMES")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        contenu = page.content()
        assert "Bonjour Claire" in contenu
        assert "EHPAD LES CHARMES" in page.locator("main table").inner_text()
        assert page.locator("nav.menu", has_text="Usagers & INS").count() == 1  # her right on usagers' records
        page.screenshot(path="test-results/psc-accueil-infirmiere.png", full_page=True)
        page.goto(f"{live_server.url}/usagers/")
        assert "Authentification forte requise" not in page.content()
        page.click("text=Se déconnecter")
        page.wait_for_url(f"{live_server.url}/comptes/connexion/**")
    assert any(e["evenement"] == "logout" and e["id_token_hint"] for e in bouchon.journal)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_secretaire_sans_rpps_mot_de_passe_et_totp(live_server):
    et = EtablissementFactory()
    user = UtilisateurFactory(username="secretaire-totp", first_name="Julie")
    user.habilitations.create(fonction=Fonction.ADMISSION, etablissement=et)
    TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True)
    with page_chromium() as page:
        page.goto(f"{live_server.url}/comptes/connexion/")
        page.fill("#id_username", "secretaire-totp")
        page.fill("#id_password", "motdepasse-test")
        page.click("#formulaire-connexion button[type=submit]")
        page.wait_for_url("**/comptes/second-facteur/")
        page.fill("#id_code", "000000")
        page.click("button[type=submit]")
        assert "Code incorrect" in page.content()
        page.wait_for_timeout(1500)  # django-otp refuses any code for 1 s after a wrong one
        page.fill("#id_code", code_totp("secretaire-totp"))
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        assert "Bonjour Julie" in page.content()
        page.goto(f"{live_server.url}/usagers/")
        assert "Authentification forte requise" not in page.content()
        page.screenshot(path="test-results/totp-secretaire-usagers.png", full_page=True)
