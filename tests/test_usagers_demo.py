"""The usagers part of `socle demo`: deterministic, idempotent, all statuses, a trend, and the admission persona
can qualify DEMOLIN ALICE through the local INSi stand-in."""

import json

import pytest
from django.core.management import call_command

from socle.comptes.models import Utilisateur
from socle.comptes.rights import etablissements_visibles
from socle.services.insi.standin import fichier_demo
from socle.usagers import services
from socle.usagers.models import AnomalieIns, Usager

pytestmark = pytest.mark.django_db


def test_demo_usagers(capsys):
    call_command("demo", "--no-serve")
    premier = sorted(Usager.objects.values_list("reference_externe", "nom_naissance", "statut"))
    call_command("demo", "--no-serve")
    assert sorted(Usager.objects.values_list("reference_externe", "nom_naissance", "statut")) == premier
    assert 1800 <= len(premier) <= 2200
    assert all(nom.startswith("DEMO") for _r, nom, _s in premier)
    assert {s for _r, _n, s in premier} == {"PROV", "RECUP", "VALI", "QUAL"}
    assert AnomalieIns.objects.exists()
    identites = json.loads(fichier_demo().read_text())
    assert sum(1 for i in identites if i["nom_naissance"].startswith("DEMO")) > 1000
    admission = Utilisateur.objects.get(username="admission")
    stats = services.stats_identites(etablissements_visibles(admission))
    prog = stats["progression"]
    assert prog[-1]["QUAL"] > prog[0]["QUAL"]  # the dashboard shows a trend
    services.CLIENT_FACTORY = None
    alice = Usager.objects.get(nom_naissance="DEMOLIN", premier_prenom="ALICE")
    assert alice.statut == "PROV" and alice.sejours.get().etablissement in etablissements_visibles(admission)
    appel = services.appeler_insi(alice, user=admission)
    assert appel.cr == "00"
    assert services.accepter_identite(alice, appel, user=admission).statut == "RECUP"
