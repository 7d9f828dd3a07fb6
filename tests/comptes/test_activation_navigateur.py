"""Browser test of the account lifecycle's start: the directrice creates an account, the person opens the e-mailed
activation link, chooses her password (Django's validators), signs in, and the link no longer works."""

import re

import pytest
from django.core import mail

from socle.comptes.models import Fonction
from tests.browser import RESULTS, page_chromium, se_connecter
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory, OrganismeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_activation_du_compte_par_le_lien_recu_par_courriel(live_server):
    og = OrganismeFactory()
    et = EtablissementFactory(organisme=og)
    directrice = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og)
    mail.outbox.clear()
    with page_chromium() as page:
        se_connecter(page, live_server.url, directrice.username, "motdepasse-test")
        page.goto(f"{live_server.url}/comptes/equipe/{og.finess}/")
        page.fill("#id_prenom", "Julie")
        page.fill("#id_nom", "Démo")
        page.fill("#id_email", "julie@demo.invalid")
        page.fill("#id_username", "julie")
        page.select_option("#id_fonction", Fonction.ADMISSION)
        page.select_option("#id_etablissement", str(et.pk))
        page.click("text=Créer le compte")
        page.wait_for_load_state()
        assert "julie@demo.invalid" in page.text_content("main")
        page.click("text=Se déconnecter")
        page.wait_for_load_state()

        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["julie@demo.invalid"]
        lien = re.search(r"https?://\S+/comptes/activer/\S+/", mail.outbox[0].body).group(0)
        page.goto(lien)
        assert "Activer votre compte" in page.text_content("h1")
        assert "choisir-mot-de-passe" in page.url  # the token left the address
        page.fill("#id_new_password1", "court")
        page.fill("#id_new_password2", "court")
        page.click("text=Enregistrer mon mot de passe")
        page.wait_for_load_state()
        assert "trop court" in page.text_content("main")  # Django's validators
        page.fill("#id_new_password1", "Une-phrase-de-passe-2027")
        page.fill("#id_new_password2", "Une-phrase-de-passe-2027")
        page.click("text=Enregistrer mon mot de passe")
        page.wait_for_load_state()
        assert "/comptes/connexion/" in page.url and "Mot de passe enregistré" in page.text_content("main")

        se_connecter(page, live_server.url, "julie", "Une-phrase-de-passe-2027")
        assert "Bonjour Julie" in page.text_content("h1")
        assert "Admission" in page.text_content("main")  # her function, listed under "Mes fonctions"
        page.screenshot(path=str(RESULTS / "activation.png"), full_page=True)
        page.click("text=Se déconnecter")
        page.wait_for_load_state()
        page.goto(lien)  # one time only
        assert "n'est plus valable" in page.text_content("main")
