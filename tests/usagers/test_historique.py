"""The record's history reads in French for people: RNIV status labels, Oui/Non, the OID named, places and dates
as people write them, the agent by name (not her login), no status label said twice."""

import re
from datetime import date
from html import unescape

import pytest
from django.urls import reverse

from socle.usagers import affichage, services
from tests.usagers.factories import fixture_admission, fixture_etablissement, fixture_journal  # noqa: F401

pytestmark = pytest.mark.django_db


def _historique(html: str) -> str:
    return html[html.index("Historique de l'identité"):]


def test_historique_lisible_de_la_creation_a_la_qualification(client_de, admission, etablissement, journal):
    from socle.connecteurs.insi.standin import base

    admission.first_name, admission.last_name = "Camille", "ACCUEIL"
    admission.save()
    u = services.creer_usager(etablissement.organisme, etablissement, {
        "nom_naissance": "Demohisto", "prenoms_naissance": "Lucie", "sexe": "F", "date_naissance": date(1961, 4, 5),
        "lieu_naissance": "69123"}, user=admission)
    base.ajouter({"matricule": "2610469123456", "nom_naissance": "DEMOHISTO", "prenoms": ["LUCIE"], "sexe": "F",
                  "date_naissance": "1961-04-05", "lieu_naissance": "69123"})
    services.enregistrer_controle(u, "PA", user=admission)
    services.accepter_identite(u, services.appeler_insi(u, user=admission), user=admission)
    page = unescape(client_de(admission).get(reverse("usagers:fiche", args=[u.pk])).content.decode())
    h = _historique(page)
    assert "Identité provisoire → Identité validée" in h and "Identité validée → Identité qualifiée" in h
    assert "<strong>Haut niveau de confiance</strong> : — → Oui" in h
    assert re.search(r"<strong>Nature de l'INS</strong> : — → INS-NIR", h)
    assert "<strong>Date de naissance</strong> : — → 05/04/1961" in h
    assert "<strong>Lieu de naissance</strong> : — → Lyon (Rhône) · 69123" in h
    assert "<strong>Sexe</strong> : — → Féminin" in h
    assert "Camille ACCUEIL" in h and admission.username not in h
    for brut in ("True", "False", "None", "1.2.250.1.213", ">VALI<", ">QUAL<", "1961-04-05"):
        assert brut not in h, brut
    # the status is said once, by its badge, not repeated beside it
    assert "Identité qualifiée</span> — Identité qualifiée" not in page
    assert page.count("Identité qualifiée</span>") == 1


def test_statut_inchange_dit_une_fois_et_traitement_automatique(admission, etablissement):
    u = services.creer_usager(etablissement.organisme, etablissement, {
        "nom_naissance": "Demoauto", "prenoms_naissance": "Paul", "sexe": "M", "date_naissance": date(1950, 1, 1),
        "lieu_naissance": "99350"})
    services.definir_attributs(u, user=None, douteuse=False, fictive=False, homonyme=True, motif="Homonyme connu")
    lignes = [affichage.ligne_historique(h) for h in u.historique.all()]
    attribut = next(x for x in lignes if x["evenement"] == "Attribut modifié")
    assert attribut["statut"] == "Identité provisoire" and not attribut["change"]
    assert attribut["par"] == "Traitement automatique"
    assert {"libelle": "Identité homonyme", "avant": "Non", "apres": "Oui"} in attribut["changements"]
    creation = next(x for x in lignes if x["evenement"] == "Création")
    assert {"libelle": "Lieu de naissance", "avant": "—", "apres": "Maroc (pays) · 99350"} in creation["changements"]
