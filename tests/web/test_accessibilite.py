"""Accessibility of the ten main pages, in Debian's chromium: axe-core (vendored in tests/fixtures) finds no
"serious" or "critical" violation (labels, contrast ≥ 4.5:1, names of links and buttons, ARIA…); the skip link
comes first; the navigation fits a 1280 px wide screen without horizontal scrolling."""

import pytest

from socle.comptes.demo import DEMO_PASSWORD
from socle.comptes.models import Utilisateur
from socle.web.demo import construire
from tests.browser import page_chromium, se_connecter
from tests.chemins import AXE_CORE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GRAVES = ("serious", "critical")


def _pages(ctx) -> list[tuple[str, str]]:
    """(persona, path) of the ten main pages, each with the persona who works on it."""
    from socle.comptes import rights

    rh = Utilisateur.objects.get(username="rh")
    et = rights.etablissements_visibles(rh).order_by("finess").first()
    og = rights.organismes_couverts(Utilisateur.objects.get(username="directrice")).first()
    return [
        ("chefprojet", "/"),
        ("chefprojet", f"/organisations/grappes/{ctx.grappe.pk}/"),
        ("chefprojet", f"/prerequis/grappes/{ctx.grappe.pk}/"),
        ("chefprojet", f"/pilotage/grappe/{ctx.grappe.pk}/"),
        ("directrice", f"/comptes/equipe/{og.finess}/"),
        ("directrice", "/journal/"),
        ("directrice", "/comptes/mot-de-passe/"),
        ("rh", f"/personnel/esms/{et.finess}/"),
        ("rh", f"/personnel/og/{og.finess}/import/"),
        ("admission", "/usagers/"),
    ]


def _violations(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol: the page's CSP (no inline script) stays on
        page.evaluate("(source) => { (0, eval)(source); }", AXE_CORE.read_text(encoding="utf-8"))
    resultat = page.evaluate("""async () => await axe.run(document, {resultTypes: ['violations']})""")
    out = []
    for v in resultat["violations"]:
        if v["impact"] in GRAVES:
            cibles = "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            out.append(f"{v['id']} ({v['impact']}) : {v['help']} — {cibles}")
    return out


def test_les_dix_pages_principales_sans_violation_grave(live_server):
    ctx = construire()
    pages = _pages(ctx)
    assert len(pages) == 10
    problemes = []
    with page_chromium() as page:
        page.goto(f"{live_server.url}/comptes/connexion/")
        problemes += [f"/comptes/connexion/ : {v}" for v in _violations(page)]
        courant = None
        for persona, chemin in pages:
            if persona != courant:
                page.context.clear_cookies()
                se_connecter(page, live_server.url, persona, DEMO_PASSWORD)
                courant = persona
            reponse = page.goto(live_server.url + chemin)
            assert reponse.status == 200, chemin
            problemes += [f"{chemin} ({persona}) : {v}" for v in _violations(page)]
            # the skip link is the first thing the keyboard reaches, and it leads to the content
            premier = "document.querySelector('a[href], button, input:not([type=hidden]), select, textarea')"
            assert page.evaluate(f"{premier}.getAttribute('href')") == "#contenu", chemin
            if page.evaluate("document.activeElement === document.body"):  # no autofocus field on the page
                page.keyboard.press("Tab")
                assert page.evaluate("document.activeElement.getAttribute('href')") == "#contenu", chemin
            # the header and its menu fit 1280 px; wide tables scroll inside their own box
            largeur = page.evaluate("document.querySelector('header.entete').scrollWidth")
            assert largeur <= 1280, f"{chemin} : en-tête de {largeur} px"
            assert page.evaluate("document.documentElement.scrollWidth") <= 1280, chemin
    assert not problemes, "Violations d'accessibilité :\n" + "\n".join(problemes)
