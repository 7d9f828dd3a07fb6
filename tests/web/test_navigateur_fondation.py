import pytest

from socle.comptes.demo import DEMO_PASSWORD
from socle.web.demo import construire
from tests.browser import RESULTS, page_chromium, se_connecter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chef_de_projet_logs_in_and_opens_the_grappe(live_server):
    ctx = construire()
    with page_chromium() as page:
        se_connecter(page, live_server.url, "chefprojet", DEMO_PASSWORD)
        assert "Bonjour" in page.text_content("h1")
        page.click("text=Grappes")
        page.click(f"text={ctx.grappe.nom}")
        page.wait_for_selector("h1")
        assert ctx.grappe.nom in page.text_content("h1")
        body = page.text_content("main")
        assert "ASSOCIATION DÉMO LES TILLEULS" in body and "EHPAD DÉMO LES TILLEULS - LYON" in body
        page.screenshot(path=str(RESULTS / "grappe.png"), full_page=True)
    assert (RESULTS / "grappe.png").stat().st_size > 10_000
