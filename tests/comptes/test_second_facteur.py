"""Second factor of local accounts (TOTP + recovery codes, django-otp): enrolment, sign-in in two steps,
recovery code used once, lock-out after repeated failures (django-axes), reset by the représentant légal; and
the rule that NIR/INS screens need PSC or the second factor."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from socle.audit.models import Action, EvenementAudit
from socle.comptes import rights
from socle.comptes import second_facteur as sf
from socle.comptes.models import Fonction
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory

pytestmark = pytest.mark.django_db
MDP = "motdepasse-test"


def code_de(device: TOTPDevice, decalage: int = 0) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + decalage):06d}"


@pytest.fixture
def etablissement():
    return EtablissementFactory()


@pytest.fixture
def secretaire(etablissement):
    return utilisateur_avec(Fonction.ADMISSION, etablissement=etablissement)


def _enroler(user) -> tuple[TOTPDevice, list[str]]:
    device = sf.totp_en_cours(user)
    codes = sf.confirmer_totp(user, code_de(device))
    device.refresh_from_db()
    return device, codes


def _mot_de_passe(client, user, mdp=MDP):
    return client.post("/comptes/connexion/", {"username": user.username, "password": mdp})


def test_mot_de_passe_seul_ne_donne_pas_les_dossiers_usagers(client, secretaire, etablissement):
    reponse = _mot_de_passe(client, secretaire)
    assert reponse.status_code == 302 and reponse["Location"] == "/"
    accueil = client.get("/")
    user = accueil.wsgi_request.user
    assert not user.authentification_forte
    assert "dossiers_usagers" not in rights.capacites(user, etablissement)
    assert "prerequis" in rights.capacites(user, etablissement)  # rights without identities stay
    refus = client.get("/usagers/")
    assert refus.status_code == 403 and "Authentification forte requise" in refus.content.decode()
    ev = EvenementAudit.objects.filter(action=Action.ECHEC_CONNEXION, utilisateur=secretaire).latest("pk")
    assert ev.details["motif"] == "authentification_forte_requise" and ev.details["moyen"] == "mot_de_passe"


def test_enrolement_puis_connexion_en_deux_etapes(client, secretaire, etablissement, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's delay after a wrong code: not the subject here
    _mot_de_passe(client, secretaire)
    page = client.get("/comptes/second-facteur/activer/").content.decode()
    assert "<svg" in page and "secret-totp" in page
    device = TOTPDevice.objects.get(user=secretaire, confirmed=False)
    assert client.post("/comptes/second-facteur/activer/", {"code": "000000"}).status_code == 200
    assert not TOTPDevice.objects.filter(user=secretaire, confirmed=True).exists()
    reponse = client.post("/comptes/second-facteur/activer/", {"code": code_de(device)})
    codes = reponse.context["codes"]
    assert len(codes) == 10 and all(c in reponse.content.decode() for c in codes)
    assert client.get("/usagers/").status_code == 200  # this session is now strong
    client.post("/comptes/deconnexion/")

    # next sign-in: password, then the code
    reponse = _mot_de_passe(client, secretaire)
    assert reponse["Location"] == "/comptes/second-facteur/" and "_auth_user_id" not in client.session
    assert client.get("/usagers/").status_code == 302  # not signed in yet
    device.refresh_from_db()
    reponse = client.post("/comptes/second-facteur/", {"code": code_de(device, 1)})
    assert reponse.status_code == 302
    assert client.get("/usagers/").status_code == 200
    assert EvenementAudit.objects.filter(action=Action.CONNEXION, utilisateur=secretaire,
                                         details__moyen="totp").exists()


def test_code_de_secours_une_seule_fois(client, secretaire):
    _device, codes = _enroler(secretaire)
    _mot_de_passe(client, secretaire)
    assert client.post("/comptes/second-facteur/", {"code": codes[0]}).status_code == 302
    assert StaticToken.objects.filter(device__user=secretaire).count() == 9
    client.post("/comptes/deconnexion/")
    _mot_de_passe(client, secretaire)
    reponse = client.post("/comptes/second-facteur/", {"code": codes[0]})
    assert reponse.status_code == 200 and "Code incorrect" in reponse.content.decode()
    assert "_auth_user_id" not in client.session


def test_blocage_apres_echecs_repetes_du_second_facteur(client, secretaire, settings):
    device, _codes = _enroler(secretaire)
    _mot_de_passe(client, secretaire)
    derniere = None
    for _ in range(settings.AXES_FAILURE_LIMIT):
        derniere = client.post("/comptes/second-facteur/", {"code": "000000"})
    assert derniere.status_code == 429
    assert EvenementAudit.objects.filter(action=Action.BLOCAGE_CONNEXION, utilisateur=secretaire).exists()
    assert EvenementAudit.objects.filter(action=Action.ECHEC_CONNEXION, utilisateur=secretaire).count() >= 4
    # even the right password and code are refused while locked
    reponse = _mot_de_passe(client, secretaire)
    assert reponse.status_code == 429
    assert "_auth_user_id" not in client.session


def test_le_representant_legal_reinitialise_le_second_facteur(client_de, secretaire, etablissement):
    _enroler(secretaire)
    directrice = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=etablissement.organisme)
    c = client_de(directrice)
    url = f"/comptes/equipe/{etablissement.organisme.finess}/{secretaire.pk}/second-facteur/"
    assert c.post(url).status_code == 302
    assert not sf.a_second_facteur(secretaire)
    ev = EvenementAudit.objects.filter(action=Action.MODIFICATION, objet_id=str(secretaire.pk)).latest("pk")
    assert ev.utilisateur_id == directrice.pk and ev.details["second_facteur"].startswith("réinitialisé")


def test_reinitialisation_refusee_hors_de_son_organisme(client_de, secretaire):
    _enroler(secretaire)
    autre = EtablissementFactory()
    directrice = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=autre.organisme)
    url = f"/comptes/equipe/{autre.organisme.finess}/{secretaire.pk}/second-facteur/"
    assert client_de(directrice).post(url).status_code == 404
    assert sf.a_second_facteur(secretaire)


def test_changer_de_telephone_exige_une_session_forte(client, secretaire):
    _enroler(secretaire)
    client.force_login(secretaire)  # a session without the second factor
    assert client.get("/comptes/second-facteur/activer/").status_code == 403
    assert client.post("/comptes/second-facteur/codes-de-secours/").status_code == 403


def test_exiger_distingue_authentification_forte(secretaire, etablissement):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied, match="second facteur"):
        rights.exiger(secretaire, "dossiers_usagers", etablissement)
    secretaire.authentification_forte = True
    rights.exiger(secretaire, "dossiers_usagers", etablissement)


def test_inactivite_met_fin_a_la_session(client, secretaire, settings):
    from socle.comptes import authentification as authn

    _mot_de_passe(client, secretaire)
    session = client.session
    session[authn.CLE_ACTIVITE] -= settings.SOCLE_SESSION_INACTIVITE + 1
    session.save()
    reponse = client.get("/")
    assert reponse.status_code == 302 and "inactivite=1" in reponse["Location"]
    assert "_auth_user_id" not in client.session
    assert EvenementAudit.objects.filter(action=Action.DECONNEXION, details__motif__startswith="inactivité").exists()
