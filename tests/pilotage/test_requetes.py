"""Dashboards over many ESMS in a fixed number of queries (issue 11: 665 queries for 30 ESMS), with the same
figures as computed one ESMS at a time and as the staff board. Data: the load test's generator, small."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from socle.comptes.models import Utilisateur
from socle.fictif import charge
from socle.organisations.models import Etablissement, Grappe
from socle.personnel.services import syntheses, totaux_par_esms, totaux_personnes
from socle.pilotage import services

pytestmark = pytest.mark.django_db

TAILLE = charge.Taille(organismes=6, esms_par_og=3, usagers=900, professionnels=240, og_par_grappe=2)


@pytest.fixture
def region():
    charge.charger(TAILLE, graine=11)
    return Grappe.objects.get(nom="GRAPPE CHARGE 01"), Grappe.objects.get(nom=charge.GRAPPE_REGIONALE)


def _requetes(client, url: str) -> int:
    with CaptureQueriesContext(connection) as q:
        assert client.get(url).status_code == 200
    return len(q.captured_queries)


def test_tableau_de_grappe_nombre_de_requetes_fixe(region, client, django_assert_max_num_queries):
    petite, grande = region
    url_petite = reverse("pilotage:grappe", args=[petite.pk])
    url_grande = reverse("pilotage:grappe", args=[grande.pk])
    client.force_login(Utilisateur.objects.get(username="cdp-region"))
    _requetes(client, url_grande)  # first view: each grappe gets its copy of the default milestones, once
    client.force_login(Utilisateur.objects.get(username="cdp-01"))
    n_petite = _requetes(client, url_petite)  # 6 ESMS
    client.force_login(Utilisateur.objects.get(username="cdp-region"))
    with django_assert_max_num_queries(30):
        n_grande = _requetes(client, url_grande)  # 18 ESMS
    assert n_grande == n_petite


def test_lignes_par_esms_identiques_au_calcul_esms_par_esms(region):
    _petite, grande = region
    ets = Etablissement.objects.filter(organisme__grappes=grande)
    t = services.tableau(ets)
    assert t["nb_etablissements"] == 18 and len(t["lignes"]) == 18
    assert t["global"] == services.indicateurs(ets)
    for ligne in t["lignes"]:
        seul = services.indicateurs(Etablissement.objects.filter(pk=ligne["et"].pk))
        assert ligne["rpps"] == seul["rpps"]
        assert ligne["prerequis"] == seul["prerequis"]
        for k in ("total", "qualifiee", "taux_qualifiees"):
            assert ligne["identites"][k] == seul["identites"][k]
    assert t["global"]["identites"]["total"] > 800 and t["global"]["rpps"]["concernes"] > 0


def test_totaux_rpps_rapides_egaux_au_tableau_du_personnel(region):
    _petite, grande = region
    ets = list(Etablissement.objects.filter(organisme__grappes=grande).select_related("organisme"))
    synths = syntheses(ets)
    ensemble, par_esms = totaux_par_esms(ets)
    assert ensemble == totaux_personnes(synths)
    assert ensemble["erreurs"] > 0 and ensemble["enregistres"] > 0 and ensemble["a_rechercher"] > 0
    for s in synths:
        assert par_esms[s.etablissement.pk] == totaux_personnes([s])


def test_syntheses_legeres_memes_chiffres_que_les_lignes_completes(region):
    _petite, grande = region
    ets = list(Etablissement.objects.filter(organisme__grappes=grande).select_related("organisme"))
    for complete, legere in zip(syntheses(ets), syntheses(ets, leger=True), strict=True):
        assert complete.etablissement == legere.etablissement
        assert [(lg.professionnel.pk, lg.situation.pk, lg.statut, lg.anomalies) for lg in complete.lignes] == \
            [(lg.professionnel.pk, lg.situation.pk, lg.statut, lg.anomalies) for lg in legere.lignes]
        for champ in ("enregistres", "a_rechercher", "a_enregistrer", "erreurs", "non_concernes",
                      "identites_a_verifier", "ecps", "pourcentage"):
            assert getattr(complete, champ) == getattr(legere, champ), champ
        assert complete.par_role() == legere.par_role()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_sur_postgresql_le_tableau_calcule_cote_a_cote_egal_au_calcul_en_sequence(region):
    from django.db import transaction

    _petite, grande = region
    ets = Etablissement.objects.filter(organisme__grappes=grande)
    cote_a_cote = services.tableau(ets)  # outside a transaction: the identity figures in a thread of their own
    with transaction.atomic():  # inside one: one after the other, on the request's connection
        en_sequence = services.tableau(ets)
    assert cote_a_cote["global"] == en_sequence["global"]
    assert cote_a_cote["lignes"] == en_sequence["lignes"] and len(cote_a_cote["lignes"]) == 18
    assert (cote_a_cote["connexions"], cote_a_cote["moyens"]) == (en_sequence["connexions"], en_sequence["moyens"])
