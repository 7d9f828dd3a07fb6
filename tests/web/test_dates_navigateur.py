"""Issue 10 acceptance: with Chromium in an en-US locale, dates are shown and typed dd/mm/yyyy (a native date
input would follow the browser and read 03/05 as March 5th), and the birthplace is chosen by name."""

from datetime import date

import pytest

from socle.comptes.models import Fonction
from socle.usagers.models import Usager
from tests.authentification import avec_second_facteur
from tests.browser import page_chromium, se_connecter
from tests.comptes.factories import UtilisateurFactory
from tests.organisations.factories import EtablissementFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dates_jj_mm_aaaa_dans_un_navigateur_en_us(live_server):
    et = EtablissementFactory(categorie_code="500")
    user = UtilisateurFactory(username="camille-admission")
    user.habilitations.create(fonction=Fonction.ADMISSION, etablissement=et)
    avec_second_facteur(user)  # identities need PSC or the second factor
    with page_chromium(locale="en-US") as page:
        se_connecter(page, live_server.url, "camille-admission", "motdepasse-test")
        assert page.evaluate("navigator.language") == "en-US"
        page.goto(f"{live_server.url}/usagers/nouveau/")
        assert page.locator("input[type=date]").count() == 0  # no input follows the browser's language
        page.fill("#id_nom_naissance", "Demodates")
        page.fill("#id_prenoms_naissance", "Lucie")
        page.fill("#id_date_naissance", "05/03/1941")  # 5 March, read day first
        page.select_option("#id_sexe", "F")
        # the birthplace, typed with the keyboard: suggestions arrive in the field's list (former communes too)
        lieu = page.locator("#id_lieu_naissance")
        lieu.press_sequentially("arbign", delay=40)
        page.wait_for_selector('#id_lieu_naissance-choix option[value="Arbignieu (Ain, ancienne commune)"]',
                               state="attached")
        assert lieu.get_attribute("list") == "id_lieu_naissance-choix"
        lieu.fill("Arbignieu (Ain, ancienne commune)")  # what choosing the suggestion puts in the field
        page.fill("#id_date_admission", "02/11/2026")  # 2 November
        page.click("text=Créer l'identité")
        page.wait_for_url("**/qualifier/")
        assert page.input_value("#id_date_naissance") == "05/03/1941"
        assert page.input_value("#id_lieu_naissance") == "Arboys en Bugey (Ain)"  # code 01015, shown by name
        u = Usager.objects.get(nom_naissance="DEMODATES")
        assert str(u.date_naissance) == "05/03/1941" and u.lieu_naissance == "01015"
        page.goto(f"{live_server.url}/usagers/{u.pk}/")
        assert "05/03/1941" in page.content() and "02/11/2026" in page.content()
        sortie = page.locator("input[name=date_sortie]")
        assert sortie.input_value() == "" and sortie.get_attribute("type") == "text"  # never pre-filled
        sortie.fill("10/11/2026")
        page.click("text=Enregistrer la sortie")
        page.wait_for_selector("#confirmer-sortie")
        assert "10/11/2026" in page.inner_text("#confirmer-sortie")
        assert u.sejours.get().date_sortie is None  # nothing written before the confirmation
        page.screenshot(path="test-results/usagers-sortie-confirmation-en-us.png", full_page=True)
        page.click("#confirmer-sortie")
        page.wait_for_selector("text=Sortie enregistrée le 10/11/2026")
    assert u.sejours.get().date_sortie == date(2026, 11, 10)
    assert u.sejours.get().date_admission == date(2026, 11, 2)
