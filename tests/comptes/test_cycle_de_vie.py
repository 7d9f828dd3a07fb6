"""The account lifecycle as the directrice and the DPO live it: closing a function (confirmed, never the last
représentant légal), sign-in refused without an open function or once deactivated, password change."""

import datetime as dt
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from socle.audit.models import Action, EvenementAudit
from socle.comptes import services
from socle.comptes.models import Fonction, Habilitation
from tests.comptes.factories import HabilitationFactory, UtilisateurFactory, utilisateur_avec
from tests.organisations.factories import EtablissementFactory, OrganismeFactory

pytestmark = pytest.mark.django_db
MDP = "motdepasse-test"


def _equipe():
    og = OrganismeFactory()
    et = EtablissementFactory(organisme=og)
    directrice = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og)
    return og, et, directrice


def _connexion(client, username, password=MDP):
    return client.post(reverse("comptes:login"), {"username": username, "password": password})


def test_clore_une_fonction_demande_confirmation_avant_d_agir(client_de):
    og, et, directrice = _equipe()
    hab = HabilitationFactory(fonction=Fonction.ADMISSION, etablissement=et)
    client = client_de(directrice)
    page = client.get(reverse("comptes:cloturer_habilitation", args=[hab.pk]))
    assert page.status_code == 200
    texte = page.content.decode()
    assert "Confirmer la clôture" in texte and "dernière fonction en cours" in texte
    hab.refresh_from_db()
    assert hab.date_fin is None  # a GET changes nothing
    equipe = client.get(reverse("comptes:equipe_og", args=[og.finess])).content.decode()
    assert reverse("comptes:cloturer_habilitation", args=[hab.pk]) in equipe
    client.post(reverse("comptes:cloturer_habilitation", args=[hab.pk]))
    hab.refresh_from_db()
    assert hab.date_fin == timezone.localdate() - timedelta(days=1)


def test_personne_ne_clot_le_dernier_representant_legal(client_de):
    og, _et, directrice = _equipe()
    hab = directrice.habilitations.get()
    client = client_de(directrice)
    assert "dernier représentant légal" in client.get(
        reverse("comptes:cloturer_habilitation", args=[hab.pk])).content.decode()
    r = client.post(reverse("comptes:cloturer_habilitation", args=[hab.pk]), follow=True)
    assert "dernier représentant légal" in r.content.decode()
    hab.refresh_from_db()
    assert hab.date_fin is None
    # With a second représentant légal on the OG, the first one may go.
    HabilitationFactory(fonction=Fonction.REPRESENTANT_LEGAL, organisme=og)
    client.post(reverse("comptes:cloturer_habilitation", args=[hab.pk]))
    hab.refresh_from_db()
    assert hab.date_fin is not None


def test_un_representant_legal_d_un_compte_desactive_ne_compte_pas():
    og, _et, directrice = _equipe()
    autre = HabilitationFactory(fonction=Fonction.REPRESENTANT_LEGAL, organisme=og).utilisateur
    autre.is_active = False
    autre.save()
    assert services.est_dernier_representant(directrice.habilitations.get())


def test_une_fonction_close_disparait_de_mes_fonctions_le_jour_meme(client_de):
    og, et, directrice = _equipe()
    secretaire = utilisateur_avec(Fonction.ADMISSION, etablissement=et)
    Habilitation.objects.create(utilisateur=secretaire, fonction=Fonction.PROFESSIONNEL, etablissement=et,
                                date_debut=timezone.localdate())
    hab = secretaire.habilitations.get(fonction=Fonction.ADMISSION)
    services.cloturer(directrice, hab)
    accueil = client_de(secretaire).get(reverse("web:accueil")).content.decode()
    assert "Professionnel" in accueil
    assert "Admission" not in accueil


def test_clore_une_fonction_le_jour_meme_selon_l_heure_de_paris(monkeypatch):
    """At 00:30 in Paris on 02/12 (23:30 UTC on 01/12), the function ends on 01/12: the last day is yesterday
    in Paris, not in UTC."""
    og, et, directrice = _equipe()
    hab = HabilitationFactory(fonction=Fonction.ADMISSION, etablissement=et)
    instant = dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: instant)
    services.cloturer(directrice, hab)
    hab.refresh_from_db()
    assert hab.date_fin == dt.date(2026, 12, 1)


def test_un_compte_sans_fonction_en_cours_ne_peut_pas_se_connecter(client):
    og, et, _directrice = _equipe()
    ancien = UtilisateurFactory()
    Habilitation.objects.create(utilisateur=ancien, fonction=Fonction.ADMISSION, etablissement=et,
                                date_fin=timezone.localdate() - timedelta(days=1))
    r = _connexion(client, ancien.username)
    assert r.status_code == 200
    assert "aucune fonction en cours" in r.content.decode()
    assert "_auth_user_id" not in client.session
    refus = EvenementAudit.objects.get(action=Action.ECHEC_CONNEXION, utilisateur_id=ancien.pk)
    assert "aucune fonction" in refus.details["motif"]
    # The same person with an open function comes in.
    Habilitation.objects.create(utilisateur=ancien, fonction=Fonction.ADMISSION, etablissement=et)
    assert _connexion(client, ancien.username).status_code == 302


def test_le_refus_de_connexion_est_une_regle_reutilisable():
    """One check for every way in (password, Pro Santé Connect): `services.refus_connexion`."""
    og, et, directrice = _equipe()
    assert services.refus_connexion(directrice) is None
    sans = UtilisateurFactory()
    assert "aucune fonction" in services.refus_connexion(sans)
    admin = UtilisateurFactory(is_superuser=True)
    assert services.refus_connexion(admin) is None
    directrice.is_active = False
    assert "désactivé" in services.refus_connexion(directrice)


def test_desactiver_un_compte_par_le_representant_legal_trace_et_ferme_la_session(client_de, client):
    og, et, directrice = _equipe()
    secretaire = utilisateur_avec(Fonction.ADMISSION, etablissement=et)
    session = client_de(secretaire)
    assert session.get(reverse("web:accueil")).status_code == 200
    from django.test import Client

    c = Client()
    c.force_login(directrice)
    url = reverse("comptes:desactiver_compte", args=[og.finess, secretaire.pk])
    assert "Confirmer la désactivation" in c.get(url).content.decode()
    c.post(url)
    secretaire.refresh_from_db()
    assert not secretaire.is_active
    assert not Habilitation.objects.filter(utilisateur=secretaire).en_cours().exists()
    ev = EvenementAudit.objects.filter(action=Action.MODIFICATION, objet_type="comptes.Utilisateur",
                                       objet_id=str(secretaire.pk), utilisateur_id=directrice.pk).last()
    assert ev.details["compte"] == "désactivé" and ev.organisme_id == og.pk
    # her open session stops, and she cannot sign in again (clear message)
    assert session.get(reverse("web:accueil")).status_code == 302
    session.logout()
    r = _connexion(session, secretaire.username)
    assert "désactivé" in r.content.decode()
    # reactivation gives the sign-in back once a function is given
    c.post(url, {"reactiver": "1"})
    secretaire.refresh_from_db()
    assert secretaire.is_active


def test_qui_peut_desactiver_un_compte():
    og, et, directrice = _equipe()
    secretaire = utilisateur_avec(Fonction.ADMISSION, etablissement=et)
    dpo = utilisateur_avec(Fonction.DPO, organisme=og)
    with pytest.raises(services.PermissionDenied):
        services.desactiver(dpo, og, secretaire)
    with pytest.raises(services.ValidationError, match="propre compte"):
        services.desactiver(directrice, og, directrice)
    # the installation's administrator may
    services.desactiver(UtilisateurFactory(is_superuser=True), og, secretaire)
    secretaire.refresh_from_db()
    assert not secretaire.is_active


def test_on_ne_desactive_pas_le_dernier_representant_legal_ni_un_compte_utilise_ailleurs():
    og, et, directrice = _equipe()
    adjoint = HabilitationFactory(fonction=Fonction.REPRESENTANT_LEGAL, organisme=og).utilisateur
    services.desactiver(adjoint, og, directrice)  # two représentants: one may go
    with pytest.raises(services.ValidationError, match="dernier représentant légal"):
        services.desactiver(UtilisateurFactory(is_superuser=True), og, adjoint)
    partagee = utilisateur_avec(Fonction.ADMISSION, etablissement=et)
    HabilitationFactory(utilisateur=partagee, fonction=Fonction.ADMISSION,
                        etablissement=EtablissementFactory(organisme=OrganismeFactory()))
    with pytest.raises(services.ValidationError, match="hors de"):
        services.desactiver(adjoint, og, partagee)
    partagee.refresh_from_db()
    assert partagee.is_active


def test_changer_son_mot_de_passe_avec_les_validateurs_de_django(client_de):
    _og, _et, directrice = _equipe()
    client = client_de(directrice)
    url = reverse("comptes:mot_de_passe")
    page = client.get(url).content.decode()
    assert 'for="id_old_password"' in page and 'for="id_new_password1"' in page
    r = client.post(url, {"old_password": MDP, "new_password1": "court", "new_password2": "court"})
    assert r.status_code == 200 and "trop court" in r.content.decode()
    r = client.post(url, {"old_password": "faux-mot-de-passe", "new_password1": "Une-phrase-2027-x",
                          "new_password2": "Une-phrase-2027-x"})
    assert r.status_code == 200
    r = client.post(url, {"old_password": MDP, "new_password1": "Une-phrase-2027-x",
                          "new_password2": "Une-phrase-2027-x"})
    assert r.status_code == 302
    directrice.refresh_from_db()
    assert directrice.check_password("Une-phrase-2027-x")
    assert client.get(reverse("web:accueil")).status_code == 200  # still signed in
    assert EvenementAudit.objects.filter(objet_id=str(directrice.pk), details__mot_de_passe="changé par la personne").exists()
