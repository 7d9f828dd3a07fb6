"""Review regressions seen only in a browser: pages wider than the screen (horizontal scroll) at 1280 px."""

import pytest

from socle.comptes.models import Fonction
from tests.browser import RESULTS, page_chromium, se_connecter
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory, OrganismeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_rh_sans_defilement_horizontal(live_server):
    og = OrganismeFactory()
    EtablissementFactory(organisme=og)
    rh = utilisateur_avec(Fonction.GESTIONNAIRE_RPPS, organisme=og)
    with page_chromium() as page:
        se_connecter(page, live_server.url, rh.username, "motdepasse-test")
        for chemin in (f"/personnel/og/{og.finess}/metiers/", f"/personnel/og/{og.finess}/import/"):
            page.goto(f"{live_server.url}{chemin}")
            assert page.locator("h1").count() == 1
            largeur = page.evaluate("document.documentElement.scrollWidth")
            fenetre = page.evaluate("window.innerWidth")
            if largeur > fenetre:
                page.screenshot(path=str(RESULTS / f"revue-trop-large-{chemin.strip('/').replace('/', '_')}.png"),
                                full_page=True)
            assert largeur <= fenetre, (chemin, largeur, fenetre)
