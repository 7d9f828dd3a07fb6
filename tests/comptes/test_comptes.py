from datetime import date, timedelta

import pytest
from django.urls import reverse

from socle.audit.models import EvenementAudit
from socle.comptes import rights
from socle.comptes.models import Fonction, Habilitation, Utilisateur
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory, OrganismeFactory

pytestmark = pytest.mark.django_db


def test_representant_legal_creates_an_account_in_her_og_only(client_de):
    og, autre = OrganismeFactory(), OrganismeFactory()
    et = EtablissementFactory(organisme=og)
    directrice = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og)
    client = client_de(directrice)
    response = client.post(reverse("comptes:equipe_og", args=[og.finess]), {
        "prenom": "Julie", "nom": "Démo", "email": "julie@demo.invalid", "username": "julie",
        "fonction": Fonction.ADMISSION, "etablissement": et.pk})
    assert response.status_code == 302
    julie = Utilisateur.objects.get(username="julie")
    assert Habilitation.objects.get(utilisateur=julie).etablissement == et
    assert EvenementAudit.objects.filter(action="creation", objet_type="comptes.Utilisateur",
                                         objet_id=str(julie.pk)).exists()
    # Another OG's team is out of reach.
    assert client.get(reverse("comptes:equipe_og", args=[autre.finess])).status_code == 404


def test_closing_a_habilitation_keeps_it_and_removes_the_right(client_de):
    og = OrganismeFactory()
    et = EtablissementFactory(organisme=og)
    directrice = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og)
    secretaire = utilisateur_avec(Fonction.ADMISSION, etablissement=et)
    hab = secretaire.habilitations.get()
    client_de(directrice).post(reverse("comptes:cloturer_habilitation", args=[hab.pk]))
    hab.refresh_from_db()
    assert hab.date_fin == date.today() - timedelta(days=1)
    assert Habilitation.objects.filter(pk=hab.pk).exists()
    assert not rights.etablissements_visibles(secretaire).exists()


def test_a_secretary_cannot_manage_accounts(client_de):
    og = OrganismeFactory()
    secretaire = utilisateur_avec(Fonction.ADMISSION, organisme=og)
    assert client_de(secretaire).get(reverse("comptes:equipe")).status_code == 403
