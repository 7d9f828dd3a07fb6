"""Every list's search and filters, run on the demo data with the persona who uses the list: each key the view
reads from the query string, with each choice its form offers (selects) or with awkward text (search boxes). A
list that answers 500 to a search (issue 11: `services._norm`) fails here; a new list reading the query string
without its line below fails too."""

import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from socle.comptes import rights
from socle.comptes.models import Utilisateur
from socle.organisations.models import Grappe
from tests.authentification import connecter_fort
from tests.securite.monde import toutes_les_routes

pytestmark = pytest.mark.django_db

TEXTES = ["DEMO", "démo", "o'b", "%_", "  ", "zz-aucun-resultat", "<b>", "2024-01-01", "99"]


def _listes() -> dict[str, tuple[str, dict]]:
    """route -> (persona, kwargs of the URL), on the demo data."""
    et = rights.etablissements_visibles(Utilisateur.objects.get(username="rh")).order_by("finess").first()
    grappe = Grappe.objects.get()
    og = rights.organismes_couverts(Utilisateur.objects.get(username="directrice")).first()
    return {
        "audit:recherche": ("directrice", {}),
        "organisations:et_list": ("chefprojet", {}),
        "organisations:og_list": ("chefprojet", {}),
        "organisations:og_detail": ("directrice", {"finess": og.finess}),
        "organisations:grappe_detail": ("chefprojet", {"pk": grappe.pk}),
        "personnel:esms": ("rh", {"finess": et.finess}),
        "prerequis:grappe": ("chefprojet", {"pk": grappe.pk}),
        "usagers:anomalies": ("admission", {}),
        "usagers:anomalies_export": ("admission", {}),
        "usagers:index": ("admission", {}),
        "usagers:tableau": ("directrice", {}),
        "pilotage:index": ("directrice", {}),
        "pilotage:grappe": ("chefprojet", {"pk": grappe.pk}),
        "documents:esms": ("infirmiere", {}),
        "usagers:lieux": ("admission", {}),
    }


# Views that read the query string without being lists: the sign-in with Pro Santé Connect keeps `next`; opening
# a DMP document names it (`uid`, `pdf`; tested in tests/documents/test_consulter_dmp.py).
PAS_DES_LISTES = {"psc:connexion", "documents:dmp_ouvrir"}


def _cles(source: str) -> set[str]:
    return set(re.findall(r"request\.GET(?:\.get\(|\[)\s*[\"'](\w+)[\"']", source))


def _choix(page: str) -> dict[str, list[str]]:
    """The options of every <select> of the page, by name."""
    out = {}
    for nom, corps in re.findall(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', page, re.S):
        out[nom] = re.findall(r'<option value="([^"]*)"', corps)
    return out


def test_chaque_recherche_et_chaque_filtre_de_chaque_liste_repond():
    call_command("demo", "--no-serve")
    listes = _listes()
    routes = {r.nom: r for r in toutes_les_routes()}
    lisent = {nom for nom, r in routes.items() if _cles(r.source)} - PAS_DES_LISTES
    assert lisent <= set(listes), f"listes sans leur ligne dans _listes() : {sorted(lisent - set(listes))}"
    essais = 0
    for nom, (persona, kwargs) in listes.items():
        client = connecter_fort(Client(), Utilisateur.objects.get(username=persona))
        url = reverse(nom, kwargs=kwargs)
        r = client.get(url)
        assert r.status_code == 200, f"{nom} ({persona}) : {r.status_code}"
        page = r.content.decode(errors="replace") if r["Content-Type"].startswith("text/html") else ""
        choix = _choix(page)
        cles = _cles(routes[nom].source) | set(choix)
        for cle in sorted(cles):
            valeurs = choix.get(cle) or TEXTES
            for v in valeurs:
                r = client.get(url, {cle: v})
                essais += 1
                # an offered choice must work; a typed text may name nothing (404 for an unknown FINESS), never 500
                attendu = {200} if cle in choix else {200, 404}
                assert r.status_code in attendu, f"{nom} ?{cle}={v!r} ({persona}) : {r.status_code}"
        # every filter at once, the last choice of each, with a search text
        tout = {cle: (choix.get(cle) or ["DEMO"])[-1] for cle in cles}
        assert client.get(url, tout).status_code in (200, 404), f"{nom} {tout}"
    assert essais > 60
