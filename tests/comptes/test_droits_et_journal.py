from datetime import date

import pytest
from django.db import connection, transaction
from django.urls import reverse

from socle.audit.models import Action, AppendOnlyError, EvenementAudit
from socle.audit.services import tracer
from socle.comptes import rights
from socle.comptes.models import Fonction, Habilitation
from socle.usagers.services import creer_usager
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory, GrappeFactory, OrganismeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deux_og():
    og_a, og_b = OrganismeFactory(), OrganismeFactory()
    return og_a, og_b, EtablissementFactory(organisme=og_a), EtablissementFactory(organisme=og_b)


def test_rights_isolation_between_two_og(deux_og, client_de):
    og_a, og_b, et_a, et_b = deux_og
    directeur_a = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og_a)
    assert list(rights.etablissements_visibles(directeur_a)) == [et_a]
    client = client_de(directeur_a)
    assert client.get(reverse("organisations:et_detail", args=[et_a.finess])).status_code == 200
    assert client.get(reverse("organisations:et_detail", args=[et_b.finess])).status_code == 404
    assert client.get(reverse("organisations:og_detail", args=[og_b.finess])).status_code == 404
    page = client.get(reverse("organisations:og_list")).content.decode()
    assert og_a.raison_sociale in page and og_b.raison_sociale not in page


def test_habilitation_on_one_esms_does_not_open_the_sibling(deux_og):
    og_a, _, et_a, _ = deux_og
    sibling = EtablissementFactory(organisme=og_a)
    secretaire = utilisateur_avec(Fonction.ADMISSION, etablissement=et_a)
    assert set(rights.etablissements_visibles(secretaire)) == {et_a}
    assert sibling not in rights.etablissements_visibles(secretaire)


def test_grappe_habilitation_covers_member_og(deux_og):
    og_a, og_b, et_a, et_b = deux_og
    grappe = GrappeFactory()
    grappe.membres.add(og_a)
    chef = utilisateur_avec(Fonction.CHEF_PROJET, grappe=grappe)
    assert set(rights.etablissements_visibles(chef)) == {et_a}
    assert rights.a_fonction(chef, Fonction.CHEF_PROJET, etablissement=et_a)
    assert not rights.a_fonction(chef, Fonction.CHEF_PROJET, etablissement=et_b)


def test_login_and_audit_screen_is_restricted(deux_og, client_de):
    og_a, *_ = deux_og
    secretaire = utilisateur_avec(Fonction.ADMISSION, organisme=og_a)
    assert client_de(secretaire).get(reverse("audit:recherche")).status_code == 403


def test_a_read_is_logged_and_searchable(deux_og, client_de, client):
    og_a, _, et_a, _ = deux_og
    directeur = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og_a)
    client.post(reverse("comptes:login"), {"username": directeur.username, "password": "motdepasse-test"})
    assert EvenementAudit.objects.filter(utilisateur=directeur, action="connexion").count() == 1
    response = client.get(reverse("audit:recherche"), {"qui": directeur.username})
    assert response.status_code == 200
    assert "Connexion" in response.content.decode()
    assert EvenementAudit.objects.filter(utilisateur=directeur, action="lecture", objet_id="recherche").exists()


def test_log_cannot_be_edited_or_deleted():
    event = EvenementAudit.objects.create(identifiant="x", action="lecture", objet_type="t")
    event.identifiant = "y"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        EvenementAudit.objects.filter(pk=event.pk).update(identifiant="y")
    with pytest.raises(AppendOnlyError):
        EvenementAudit.objects.all().delete()
    # Even raw SQL through the application's connection is refused by the database trigger.
    with pytest.raises(Exception, match="ajout seul"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_evenementaudit SET identifiant = 'z' WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.identifiant == "x"


def test_log_has_no_edit_url_in_admin(admin_client):
    event = EvenementAudit.objects.create(identifiant="x", action="lecture")
    response = admin_client.post(reverse("admin:audit_evenementaudit_change", args=[event.pk]), {"identifiant": "y"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.identifiant == "x"


def test_le_journal_ne_montre_pas_a_un_og_les_lectures_des_donnees_d_un_autre_og_par_une_personne_partagee(client_de):
    """Attack suite finding: someone who works for two OGs read a usager of the second; the first OG's DPO saw the
    line (the usager's name and birth date) because its actor is one of her people. A line about another OG's
    data stays in that OG's journal."""
    og, autre = OrganismeFactory(), OrganismeFactory()
    et, et_autre = EtablissementFactory(organisme=og), EtablissementFactory(organisme=autre)
    partagee = utilisateur_avec(Fonction.PROFESSIONNEL, etablissement=et)
    Habilitation.objects.create(utilisateur=partagee, fonction=Fonction.ADMISSION, etablissement=et_autre)
    traits = {"prenoms_naissance": "ALICE", "sexe": "F", "lieu_naissance": "69123"}
    ici = creer_usager(og, et, {**traits, "nom_naissance": "DICI", "date_naissance": date(1950, 1, 2)})
    ailleurs = creer_usager(autre, et_autre, {**traits, "nom_naissance": "DAILLEURS", "date_naissance": date(1951, 3, 4)})
    for usager in (ici, ailleurs):
        tracer(Action.LECTURE, objet=usager, utilisateur=partagee)
    page = client_de(utilisateur_avec(Fonction.DPO, organisme=og)).get(reverse("audit:recherche")).content.decode()
    assert "DICI" in page and partagee.username in page
    assert "DAILLEURS" not in page and "04/03/1951" not in page
    page = client_de(utilisateur_avec(Fonction.DPO, organisme=autre)).get(reverse("audit:recherche")).content.decode()
    assert "DAILLEURS" in page and "DICI" not in page
