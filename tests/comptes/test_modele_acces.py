"""One access model, deny by default: every URL is closed to anonymous people unless marked public; the
Habilitation QuerySet (en_cours, couvrant) and capacites() answer "may she?" the same way for menu and views."""

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from socle.comptes import rights
from socle.comptes.models import Fonction, Habilitation
from socle.web.navigation import MENU, menu_for
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory, GrappeFactory, OrganismeFactory

pytestmark = pytest.mark.django_db
# the activation link's page is public by nature: its one-time token is the credential
# Pro Santé Connect's start (a redirect to PSC) and its callback (refused without a sign-in in progress) too
PUBLIQUES = {"comptes:login", "comptes:activer", "web:sante", "psc:connexion", "psc:retour"}
# the FHIR API of the DUIs: no session, a token per ESMS instead (401 without one)
JETON = {"api_fhir:patients", "api_fhir:patient"}


def _motifs(resolver: URLResolver, prefixe: str = "", ns: str = ""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _motifs(p, prefixe + str(p.pattern), f"{ns}{p.namespace}:" if p.namespace else ns)
        elif isinstance(p, URLPattern):
            yield f"{ns}{p.name}", prefixe + str(p.pattern)


def test_toute_url_est_fermee_aux_anonymes_sauf_la_liste_publique():
    # the admin site has its own sign-in page (superusers only)
    vues = [(nom, motif) for nom, motif in _motifs(get_resolver()) if not nom.startswith("admin:")]
    assert len(vues) > 40
    client = Client()
    ouvertes = []
    for nom, motif in vues:
        url = "/" + re.sub(r"<str:\w+>", "010000000", re.sub(r"<int:\w+>", "1", motif))
        rep = client.get(url)
        if nom in JETON:
            assert rep.status_code == 401, (nom, rep.status_code)
        elif rep.status_code != 302 or "/comptes/connexion/" not in rep.get("Location", ""):
            ouvertes.append(nom)
    assert set(ouvertes) <= PUBLIQUES, ouvertes
    assert Client().get(reverse("web:sante")).status_code == 200


def test_queryset_en_cours_et_couvrant():
    og = OrganismeFactory()
    et = EtablissementFactory(organisme=og)
    grappe = GrappeFactory()
    grappe.membres.add(og)
    sur_et = utilisateur_avec(Fonction.ADMISSION, etablissement=et).habilitations.get()
    sur_og = utilisateur_avec(Fonction.ADMISSION, organisme=og).habilitations.get()
    sur_grappe = utilisateur_avec(Fonction.ADMISSION, grappe=grappe).habilitations.get()
    ailleurs = utilisateur_avec(Fonction.ADMISSION, organisme=OrganismeFactory()).habilitations.get()
    assert set(Habilitation.objects.couvrant(et)) == {sur_et, sur_og, sur_grappe}
    assert set(Habilitation.objects.couvrant(og)) == {sur_og, sur_grappe}  # never through one of its ESMS
    assert set(Habilitation.objects.couvrant(grappe)) == {sur_grappe}
    hier, demain = date.today() - timedelta(days=1), date.today() + timedelta(days=1)
    Habilitation.objects.filter(pk=sur_og.pk).update(date_fin=hier)
    Habilitation.objects.filter(pk=sur_grappe.pk).update(date_debut=demain)
    assert set(Habilitation.objects.en_cours()) == {sur_et, ailleurs}
    assert sur_grappe in Habilitation.objects.en_cours(demain)


def test_capacites_selon_la_portee_de_la_fonction():
    og = OrganismeFactory()
    et = EtablissementFactory(organisme=og)
    autre = EtablissementFactory()
    at_esms = utilisateur_avec(Fonction.ADMIN_TECHNIQUE, etablissement=et)
    at_og = utilisateur_avec(Fonction.ADMIN_TECHNIQUE, organisme=og)
    assert "lots_ins" not in rights.capacites(at_esms, et)  # INS batches: only in a strongly authenticated session
    at_esms.authentification_forte = True
    assert "lots_ins" in rights.capacites(at_esms, et) and "lots_ins" not in rights.capacites(at_esms, autre)
    assert "reveler_mot_de_passe" not in rights.capacites(at_esms, og)
    assert "reveler_mot_de_passe" in rights.capacites(at_og, og)
    assert "reveler_mot_de_passe" not in rights.capacites(at_og, autre.organisme)
    rl_esms = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, etablissement=et)
    assert "gerer_comptes" not in rights.capacites(rl_esms)
    chef_og = utilisateur_avec(Fonction.CHEF_PROJET, organisme=og)
    chef_grappe = utilisateur_avec(Fonction.CHEF_PROJET, grappe=GrappeFactory())
    assert "importer_finess" not in rights.capacites(chef_og)
    assert "importer_finess" in rights.capacites(chef_grappe)


@pytest.mark.parametrize("fonction", list(Fonction))
@pytest.mark.parametrize("portee", ["etablissement", "organisme", "grappe"])
def test_le_menu_n_offre_que_des_pages_ouvertes(client_de, rf, fonction, portee):
    """Every menu entry a person sees opens for her (no 403 behind a menu link), for every function and scope."""
    og = OrganismeFactory()
    et = EtablissementFactory(organisme=og)
    grappe = GrappeFactory()
    grappe.membres.add(og)
    user = utilisateur_avec(fonction, **{portee: {"etablissement": et, "organisme": og, "grappe": grappe}[portee]})
    requete = rf.get("/")
    requete.user = user
    entrees = menu_for(requete)
    assert entrees[0]["url"] == reverse("web:accueil")
    c = client_de(user)
    for entree in entrees:
        assert c.get(entree["url"], follow=True).status_code == 200, (fonction, portee, entree["url"])
    assert len(MENU) >= len(entrees)
