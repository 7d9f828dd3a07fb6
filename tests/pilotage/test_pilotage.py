import pytest
from django.urls import reverse

from socle.comptes.models import Fonction
from socle.organisations.models import Etablissement
from socle.pilotage import services
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory, GrappeFactory, OrganismeFactory

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)  # django-axes needs the request to check a password: sign-ins are counted alike
    client.logout()


def test_connexions_par_profil_counts_people_and_sign_ins(client):
    og, autre = OrganismeFactory(), OrganismeFactory()
    et = EtablissementFactory(organisme=og)
    EtablissementFactory(organisme=autre)
    secretaire = utilisateur_avec(Fonction.ADMISSION, etablissement=et)
    rh = utilisateur_avec(Fonction.GESTIONNAIRE_RPPS, organisme=og)
    utilisateur_avec(Fonction.ADMISSION, organisme=autre)  # other OG: not counted
    for _ in range(3):
        _login(client, secretaire)
    lignes = {ligne["fonction"]: ligne for ligne in services.connexions_par_profil(Etablissement.objects.filter(pk=et.pk))}
    assert lignes[Fonction.ADMISSION]["connexions"] == 3
    assert lignes[Fonction.ADMISSION]["personnes"] == 1
    assert lignes[Fonction.ADMISSION]["inscrits"] == 1
    assert lignes[Fonction.GESTIONNAIRE_RPPS] == {
        "fonction": Fonction.GESTIONNAIRE_RPPS, "libelle": "Gestionnaire RPPS+", "connexions": 0, "personnes": 0,
        "inscrits": 1}
    assert rh.pk  # the RH person exists but never signed in


def test_dashboard_rights_and_grappe_redirect(client_de):
    og = OrganismeFactory()
    EtablissementFactory(organisme=og)
    grappe = GrappeFactory()
    grappe.membres.add(og)
    chef = utilisateur_avec(Fonction.CHEF_PROJET, grappe=grappe)
    client = client_de(chef)
    response = client.get(reverse("pilotage:index"))
    assert response.status_code == 302 and response.url == reverse("pilotage:grappe", args=[grappe.pk])
    assert client.get(response.url).status_code == 200
    secretaire = utilisateur_avec(Fonction.ADMISSION, organisme=og)
    assert client_de(secretaire).get(reverse("pilotage:index")).status_code == 403


def test_dashboard_gathers_prerequisite_progress_per_esms(client_de):
    from socle.web.demo import construire

    ctx = construire()
    og_fait, og_bloque = ctx.organismes[0], ctx.organismes[1]
    fait = services.indicateurs(Etablissement.objects.filter(organisme=og_fait))["prerequis"]
    bloque = services.indicateurs(Etablissement.objects.filter(organisme=og_bloque))["prerequis"]
    assert fait["total"] > 0 and fait["faites"] == fait["total"] and fait["bloquees"] == 0
    assert bloque["faites"] < bloque["total"] and bloque["bloquees"] > 0
    from socle.comptes.models import Utilisateur

    page = client_de(Utilisateur.objects.get(username="chefprojet")).get(
        reverse("pilotage:grappe", args=[ctx.grappe.pk])).content.decode()
    assert "étapes des prérequis faites" in page
    assert "professionnels concernés ayant un n° RPPS" in page
    rpps = services.indicateurs(Etablissement.objects.filter(organisme__grappes=ctx.grappe))["rpps"]
    assert 0 < rpps["enregistres"] < rpps["concernes"]
    assert rpps["erreurs"] > 0
    assert "identités qualifiées (INS)" in page and "Progression par semaine" in page
    identites = services.indicateurs(Etablissement.objects.filter(organisme__grappes=ctx.grappe))["identites"]
    assert identites["total"] > 1000 and 0 < identites["qualifiee"] < identites["total"]
    assert abs(sum(s["pourcentage"] for s in identites["statuts"]) - 100) < 1
    assert 'width:' in page and 'width:0,' not in page  # CSS widths are not localised with a comma

