"""The usagers part of `socle demo`: deterministic, idempotent, all statuses, a trend, and the admission persona
can qualify DEMOLIN ALICE through the local INSi stand-in, and a demo batch runs — each with the certificate
the demo OG deposited in the prerequisites cockpit (issued by the stand-in's CA)."""

import io
import json

import pytest
from django.core.management import call_command

from socle.comptes.models import Utilisateur
from socle.comptes.rights import etablissements_visibles
from socle.connecteurs.insi.standin import bouchon_local, fichier_demo
from socle.organisations.models import Etablissement
from socle.usagers import batch_cli, services
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
    journal = bouchon_local().journal
    journal.vider()
    alice = Usager.objects.get(nom_naissance="DEMOLIN", premier_prenom="ALICE")
    assert alice.statut == "PROV" and alice.sejours.get().etablissement in etablissements_visibles(admission)
    appel = services.appeler_insi(alice, user=admission)
    assert appel.cr == "00"
    assert services.accepter_identite(alice, appel, user=admission).statut == "RECUP"
    og = alice.organisme
    manu = og.certificats.get(cn="INSI-MANU")
    assert [(a.cn, a.serie, a.organisation) for a in journal.appels] == [("INSI-MANU", manu.numero_serie,
                                                                          og.raison_sociale)]
    # the demo batch (README: `socle ins qualify --establishment …`) runs with the OG's INSI-AUTO certificate
    journal.vider()
    saad = Etablissement.objects.filter(organisme=og, categorie_code="460").order_by("finess").first()
    out = io.StringIO()
    assert batch_cli.qualify({"establishment": saad.finess, "limit": 4, "rate": 50, "stdout": out,
                              "stderr": io.StringIO()}) == 0
    assert json.loads(out.getvalue().splitlines()[-1])["total"] == 4
    auto = og.certificats.get(cn="INSI-AUTO")
    assert journal.appels and {(a.cn, a.serie) for a in journal.appels} == {("INSI-AUTO", auto.numero_serie)}
