"""Attack suite: every URL pattern of Socle, tried by every persona of organisation A on organisation B's objects
(and by B's complete actor on A's), with GET and POST; stored XSS and formula injection in every screen and
export; CSRF on every POST. The world and the judge are in monde.py, the closing summary in conftest.py.

Allowed answers to an attack: 302 to the sign-in page, 400, 403, 404, 405, or a page without the other side's
data; never a crash, never a change of the other side's rows."""

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.authentification import connecter_fort

from .monde import (
    CLES_REQUETE,
    CORPS,
    PARAMETRES,
    ROUTES_PUBLIQUES,
    Persona,
    Route,
    Sonde,
    cles_get_du_produit,
    corps_generique,
    requete_hostile,
    toutes_les_routes,
    valeurs_mixtes,
)

pytestmark = [pytest.mark.attaque, pytest.mark.django_db]

ROUTES = toutes_les_routes()
PROPRIETAIRES = {"A": "tout@A", "B": "exterieur@B"}  # every function on the side's OG and its grappe
MAX_LIGNES = 40


def _valeurs(route: Route, valeurs: dict) -> dict:
    return {p: valeurs[PARAMETRES[route.nom][p]] for p in route.params}


def _corps(route: Route, valeurs: dict) -> dict:
    fabrique = CORPS.get(route.nom, corps_generique)
    return fabrique(valeurs)


def _message(problemes: list[tuple[str, str]]) -> str:
    """One line per distinct problem, with who met it (the same hole is usually met by several personas)."""
    qui: dict[str, list[str]] = {}
    for persona, texte in problemes:
        qui.setdefault(texte, [])
        if persona not in qui[texte]:
            qui[texte].append(persona)
    lignes = [f"{texte}  [{', '.join(p)}]" for texte, p in qui.items()]
    reste = len(lignes) - MAX_LIGNES
    return "\n".join(lignes[:MAX_LIGNES]) + (f"\n… et {reste} autre(s)" if reste > 0 else "")


def test_chaque_route_a_ses_parametres_et_ses_corps(bilan):
    """A new URL, a new POST form or a new GET filter must say how the suite attacks it."""
    bilan.nb_routes = len(ROUTES)
    noms = {r.nom for r in ROUTES}
    manques = []
    for r in ROUTES:
        if r.params and set(PARAMETRES.get(r.nom, {})) != set(r.params):
            manques.append(f"{r.nom} (/{r.motif}) : ajoutez PARAMETRES[{r.nom!r}] = "
                           f"{{{', '.join(f'{p!r}: …' for p in r.params)}}} dans tests/securite/monde.py "
                           "(valeurs : clés de Cote.valeurs, l'objet du côté attaqué)")
        if r.traite_post and r.nom not in CORPS:
            manques.append(f"{r.nom} lit des données POST : ajoutez CORPS[{r.nom!r}] = lambda v: {{…}} (un corps "
                           "plausible, avec les objets du côté attaqué) dans tests/securite/monde.py")
    manques += [f"PARAMETRES[{n!r}] ne correspond plus à aucune route : retirez-le" for n in set(PARAMETRES) - noms]
    manques += [f"CORPS[{n!r}] ne correspond plus à aucune route : retirez-le" for n in set(CORPS) - noms]
    manques += [f"le produit lit request.GET[{k!r}] : ajoutez-la à requete_hostile() et CLES_REQUETE"
                for k in sorted(cles_get_du_produit() - CLES_REQUETE)]
    assert not manques, "\n".join(manques)
    assert len(ROUTES) >= 60 and sum(1 for r in ROUTES if r.params) >= 40, [r.nom for r in ROUTES]


def test_le_monde_a_des_lignes_de_chaque_modele_des_deux_cotes(monde):
    """Every model whose rows belong to an organisation has rows on both sides: a new model joins the world
    (construire() in monde.py) so that its screens are attacked with real data."""
    vides = sorted({label for c in monde.cotes.values() for label, lignes in c.base.items() if not lignes})
    assert not vides, f"ajoutez des lignes de ces modèles pour A et B dans tests/securite/monde.py : {vides}"
    assert len(monde.plantes) >= 60, sorted(monde.plantes)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.nom)
def test_route_attaquee_par_chaque_persona(route, monde, bilan):
    """Each persona opens the route on its own side (stored XSS, formula injection, no other side's data), then
    attacks the other side's object: GET with hostile filters (and as htmx when the view answers htmx), POST
    empty, POST with a plausible body."""
    if route.params and route.nom not in PARAMETRES:
        pytest.fail(f"{route.nom} sans PARAMETRES : voir test_chaque_route_a_ses_parametres_et_ses_corps")
    bilan.nb_routes = len(ROUTES)
    sonde = Sonde(monde, bilan)
    problemes: list[tuple[str, str]] = []
    controle = {}
    for persona in monde.personas.values():
        if persona.cote is None:
            continue
        mien = monde.cotes[persona.cote]
        autre = monde.cotes[mien.autre]
        url_mienne = route.url(_valeurs(route, mien.valeurs))
        url_autre = route.url(_valeurs(route, autre.valeurs))
        essais = [sonde.essayer(persona, route, "GET", url_mienne, protege=autre, variante="GET sur son côté")]
        if persona.nom == PROPRIETAIRES[mien.lettre]:
            # control: the owner opens the route with these parameters, and her plausible body does something
            controle[mien.lettre] = essais[0].statut
            if route.traite_post or essais[0].statut == 405:
                e = sonde.essayer(persona, route, "POST", url_mienne, protege=autre, donnees=_corps(route, mien.valeurs),
                                  htmx=route.htmx, variante="POST sur son côté")
                if essais[0].statut == 405:
                    controle[mien.lettre] = e.statut
                bilan.efficaces.setdefault(route.nom, {})[mien.lettre] = e.ecrit_donnees
                essais.append(e)
        essais.append(sonde.essayer(persona, route, "GET", url_autre, protege=autre, query=requete_hostile(
            autre.valeurs), variante="GET hostile"))
        if route.htmx:
            essais.append(sonde.essayer(persona, route, "GET", url_autre, protege=autre, htmx=True,
                                        variante="GET htmx"))
        essais.append(sonde.essayer(persona, route, "POST", url_autre, protege=autre, donnees={},
                                    variante="POST vide"))
        essais.append(sonde.essayer(persona, route, "POST", url_autre, protege=autre,
                                    donnees=_corps(route, autre.valeurs), htmx=route.htmx, variante="POST plausible"))
        # mixed: her own object in the URL's first parameter, the other side's in the next ones and in the body
        if len(route.params) >= 2 or route.nom in CORPS:
            url_mixte = route.url({p: (mien if i == 0 else autre).valeurs[PARAMETRES[route.nom][p]]
                                   for i, p in enumerate(route.params)})
            if len(route.params) >= 2:
                essais.append(sonde.essayer(persona, route, "GET", url_mixte, protege=autre, variante="GET mixte"))
            if route.nom in CORPS:
                essais.append(sonde.essayer(persona, route, "POST", url_mixte, protege=autre,
                                            donnees=_corps(route, valeurs_mixtes(mien.valeurs, autre.valeurs)),
                                            htmx=route.htmx, variante="POST mixte"))
        problemes += [(persona.nom, f"{e.url} ({e.methode}) → {e.statut} : {p}") for e in essais for p in e.problemes]
    bilan.controles[route.nom] = min(controle.values(), key=lambda s: s not in (200, 302))
    assert not problemes, f"{route.nom} :\n{_message(problemes)}"
    fermes = {c: s for c, s in controle.items() if s not in (200, 302)}
    assert not fermes, (f"{route.nom} : avec les paramètres de PARAMETRES, le propriétaire n'ouvre pas la route "
                        f"({fermes}) : l'attaque ne prouverait rien, corrigez la correspondance")


def test_sans_compte_tout_renvoie_a_la_connexion(monde, bilan):
    """Deny by default: every URL but the health probe sends an anonymous visitor to the sign-in page, whatever
    the method."""
    sonde = Sonde(monde, bilan)
    anonyme = monde.personas["anonyme"]
    b = monde.cotes["B"]
    problemes = []
    for route in ROUTES:
        if route.params and route.nom not in PARAMETRES:
            continue  # reported by test_chaque_route_a_ses_parametres_et_ses_corps
        url = route.url(_valeurs(route, b.valeurs))
        for methode, donnees in (("GET", None), ("POST", _corps(route, b.valeurs))):
            e = sonde.essayer(anonyme, route, methode, url, protege=b, donnees=donnees, variante=f"{methode} anonyme")
            bilan.anonymes += 1
            problemes += [("anonyme", f"{methode} {url} → {e.statut} : {p}") for p in e.problemes]
    assert ROUTES_PUBLIQUES <= {r.nom for r in ROUTES}
    assert not problemes, _message(problemes)


def test_csrf_toute_requete_post_sans_jeton_est_refusee(monde, bilan):
    """With CSRF checks on, a POST without token is refused (403) before the view, and writes nothing: every
    route, on the owner's own objects with a plausible body, plus sign-in and sign-out."""
    b = monde.cotes["B"]
    proprietaire = monde.personas[PROPRIETAIRES["B"]]
    client = Client(enforce_csrf_checks=True)
    connecter_fort(client, proprietaire.user)
    sans_jeton = Persona("exterieur@B sans jeton CSRF", "B", proprietaire.user, client,
                         client.cookies[settings.SESSION_COOKIE_NAME].value)
    sonde = Sonde(monde, bilan)
    problemes = []
    for route in ROUTES:
        if route.params and route.nom not in PARAMETRES:
            continue  # reported by test_chaque_route_a_ses_parametres_et_ses_corps
        url = route.url(_valeurs(route, b.valeurs))
        e = sonde.essayer(sans_jeton, route, "POST", url, protege=b, donnees=_corps(route, b.valeurs),
                          variante="POST sans jeton CSRF", fuites=False)
        bilan.csrf[route.nom] = e.statut
        if e.statut != 403 or e.ecrit:
            problemes.append((sans_jeton.nom, f"{route.nom} {url} → {e.statut}{' et des écritures' if e.ecrit else ''}"))
        problemes += [(sans_jeton.nom, f"{route.nom} : {p}") for p in e.problemes]
    for nom, donnees in (("comptes:login", {"username": proprietaire.user.username, "password": "x"}),
                         ("comptes:logout", {})):
        with transaction.atomic():
            rep = Client(enforce_csrf_checks=True).post(reverse(nom), donnees)
            transaction.set_rollback(True)
        bilan.csrf[nom] = rep.status_code
        if rep.status_code != 403:
            problemes.append(("anonyme", f"{nom} sans jeton → {rep.status_code}"))
    assert not problemes, _message(problemes)
