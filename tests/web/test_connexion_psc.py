"""Sign-in with Pro Santé Connect against the local stand-in: every check of the ID token and userinfo refuses
(and is audited), the activité choice, unknown RPPS, linking of the account, session rights, tokens kept
encrypted, refresh refused, logout."""

import json
from datetime import date, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from socle.audit.models import Action, EvenementAudit
from socle.comptes import rights
from socle.comptes.models import Fonction, Habilitation
from socle.personnel.models import Professionnel
from socle.web.psc import configuration
from socle.web.psc import services as psc_services
from tests.organisations.factories import EtablissementFactory
from tests.personnel.factories import ProfessionnelFactory, SituationFactory, rpps_valide

from . import psc_outils

pytestmark = pytest.mark.django_db


@pytest.fixture
def bouchon():
    b = psc_outils.demarrer()
    yield b
    configuration.installer_bouchon(None)
    b.arreter()


@pytest.fixture
def infirmiere():
    """A nurse with an RPPS working in two EHPAD of the same OG."""
    et1 = EtablissementFactory(nom="EHPAD LES TILLEULS")
    et2 = EtablissementFactory(nom="EHPAD LES CHARMES", organisme=et1.organisme)
    pro = ProfessionnelFactory(organisme=et1.organisme, rpps=rpps_valide(4242), nom_naissance="SOIN-TEST")
    s1 = SituationFactory(professionnel=pro, etablissement=et1, profession="60", role="", genre_activite="")
    s2 = SituationFactory(professionnel=pro, etablissement=et2, profession="60", role="", genre_activite="")
    return pro, s1, s2


def _refus(client, bouchon, sni, code):
    reponse = psc_outils.aller_retour(client, bouchon, sni)
    assert reponse.status_code == 403
    assert "Connexion Pro Santé Connect refusée" in reponse.content.decode()
    assert "_auth_user_id" not in client.session
    ev = EvenementAudit.objects.filter(action=Action.ECHEC_CONNEXION).latest("pk")
    assert ev.details["motif"] == code and ev.details["moyen"] == "psc"
    return reponse


def test_une_seule_situation_ouvre_la_session_avec_ses_droits(client, bouchon, infirmiere):
    pro, s1, s2 = infirmiere
    s2.date_fin = date.today() - timedelta(days=3)  # left the second EHPAD
    s2.save()
    bouchon.identites_fixes = None
    bouchon._identites = [psc_outils.identite_de(pro, [s1, s2])]
    reponse = psc_outils.aller_retour(client, bouchon, f"8{pro.rpps}")
    assert reponse.status_code == 302 and reponse["Location"] == "/"
    pro.refresh_from_db()
    assert pro.compte is not None and pro.compte.username == f"psc-{pro.rpps}"
    assert pro.psc_derniere_connexion is not None
    assert not pro.compte.has_usable_password()
    assert int(client.session["_auth_user_id"]) == pro.compte.pk
    # rights for the session: Professionnel on the chosen ESMS, strong authentication
    accueil = client.get("/")
    user = accueil.wsgi_request.user
    assert user.authentification_forte and user.etablissement_session == s1.etablissement_id
    assert "dossiers_usagers" in rights.capacites(user, s1.etablissement)
    assert "dossiers_usagers" not in rights.capacites(user, s2.etablissement)
    # audit: account created and linked, sign-in by PSC
    assert EvenementAudit.objects.filter(action=Action.CREATION, objet_id=str(pro.compte.pk),
                                         details__origine="première connexion Pro Santé Connect").exists()
    assert EvenementAudit.objects.filter(action=Action.MODIFICATION, objet_type="personnel.Professionnel",
                                         objet_id=str(pro.pk)).exists()
    assert EvenementAudit.objects.filter(action=Action.CONNEXION, utilisateur=pro.compte,
                                         details__moyen="psc").exists()
    # the protocol as PSC asks: PKCE S256, nonce, acr_values, userinfo read
    auth = next(e for e in bouchon.journal if e["evenement"] == "authorize")
    assert auth["code_challenge_method"] == "S256" and auth["nonce"]
    assert [e["evenement"] for e in bouchon.journal].count("userinfo") == 1


def test_plusieurs_situations_la_personne_choisit_son_ehpad(client, bouchon, infirmiere):
    pro, s1, s2 = infirmiere
    bouchon._identites = [psc_outils.identite_de(pro, [s1, s2])]
    reponse = psc_outils.aller_retour(client, bouchon, f"8{pro.rpps}")
    assert reponse.status_code == 302 and reponse["Location"] == "/comptes/pro-sante-connect/situation/"
    assert "_auth_user_id" not in client.session
    page = client.get("/comptes/pro-sante-connect/situation/").content.decode()
    assert "EHPAD LES TILLEULS" in page and "EHPAD LES CHARMES" in page
    # a situation that is not one of hers is refused
    autre = SituationFactory()
    assert client.post("/comptes/pro-sante-connect/situation/", {"situation": autre.pk}).status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.post("/comptes/pro-sante-connect/situation/", {"situation": s2.pk}).status_code == 302
    user = client.get("/").wsgi_request.user
    assert user.etablissement_session == s2.etablissement_id
    assert "dossiers_usagers" in rights.capacites(user, s2.etablissement)
    assert "dossiers_usagers" not in rights.capacites(user, s1.etablissement)
    hab = Habilitation.objects.get(utilisateur=user, fonction=Fonction.PROFESSIONNEL)
    assert hab.etablissement_id == s2.etablissement_id and hab.date_fin == date.today()


def test_deuxieme_connexion_reprend_le_meme_compte(client, bouchon, infirmiere):
    pro, s1, s2 = infirmiere
    s2.delete()
    bouchon._identites = [psc_outils.identite_de(pro, [s1])]
    psc_outils.aller_retour(client, bouchon, f"8{pro.rpps}")
    compte = Professionnel.objects.get(pk=pro.pk).compte
    client.logout()
    psc_outils.aller_retour(client, bouchon, f"8{pro.rpps}")
    assert int(client.session["_auth_user_id"]) == compte.pk
    assert Habilitation.objects.filter(utilisateur=compte).count() == 1


def test_rpps_inconnu_refuse_et_trace(client, bouchon):
    et = EtablissementFactory()
    bouchon._identites = [psc_outils.IdentiteTest("810001234567", "Alex", "AILLEURS", [psc_outils.exercice("60", [
        psc_outils.activite(et.finess, et.nom)])])]
    reponse = _refus(client, bouchon, "810001234567", "rpps_inconnu")
    assert "810001234567" in reponse.content.decode()


def test_sans_situation_dans_l_installation_refuse(client, bouchon, infirmiere):
    pro, s1, s2 = infirmiere
    bouchon._identites = [psc_outils.IdentiteTest(f"8{pro.rpps}", "Camille", "SOIN-TEST", [psc_outils.exercice(
        "60", [psc_outils.activite("999999999", "Clinique ailleurs")])])]
    _refus(client, bouchon, f"8{pro.rpps}", "aucune_situation")
    assert Professionnel.objects.get(pk=pro.pk).compte is None


def test_role_different_ne_correspond_pas(client, bouchon, infirmiere):
    pro, s1, s2 = infirmiere
    s1.role, s2.role = "328", "328"
    s1.save()
    s2.save()
    ident = psc_outils.identite_de(pro, [s1, s2])
    for ex in ident.exercices:
        for act in ex["activities"]:
            act["codeRole"] = "312"
    bouchon._identites = [ident]
    _refus(client, bouchon, f"8{pro.rpps}", "aucune_situation")


CONTROLES = [("acr", "acr"), ("acr_absent", "acr"), ("nonce", "nonce"), ("iss", "iss"), ("aud", "aud"),
             ("expire", "exp"), ("signature", "signature"), ("kid_inconnu", "kid"),
             ("userinfo_signature", "signature")]


# HS256 has no kid (its key is the client secret): the unknown-kid case is for the JWKS algorithms.
@pytest.mark.parametrize(("alg", "defaut", "code"), [(alg, d, c) for alg in ("RS256", "ES256", "HS256")
                                                     for d, c in CONTROLES if not (alg == "HS256" and d == "kid_inconnu")])
def test_chaque_controle_refuse_un_jeton_fautif(client, bouchon, infirmiere, defaut, code, alg):
    pro, s1, s2 = infirmiere
    bouchon._identites = [psc_outils.identite_de(pro, [s1])]
    bouchon.alg, bouchon.defaut = alg, defaut
    _refus(client, bouchon, f"8{pro.rpps}", code)
    assert Professionnel.objects.get(pk=pro.pk).compte is None


def test_nouvelle_cle_le_jwks_est_relu_une_fois(client, bouchon, infirmiere):
    pro, s1, s2 = infirmiere
    s2.delete()
    bouchon._identites = [psc_outils.identite_de(pro, [s1])]
    psc_outils.aller_retour(client, bouchon, f"8{pro.rpps}")
    client.logout()
    bouchon.rotation()
    avant = [e["evenement"] for e in bouchon.journal].count("jwks")
    assert psc_outils.aller_retour(client, bouchon, f"8{pro.rpps}").status_code == 302
    assert [e["evenement"] for e in bouchon.journal].count("jwks") == avant + 1


def test_jwe_accepte_avec_la_cle_de_socle(client, bouchon, infirmiere, settings, tmp_path):
    pro, s1, s2 = infirmiere
    s2.delete()
    cle = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    prive = cle.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode()
    publique = cle.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    bouchon._identites = [psc_outils.identite_de(pro, [s1])]
    bouchon.jwe_cle_publique = publique
    # without Socle's key: refused
    _refus(client, bouchon, f"8{pro.rpps}", "jwe")
    chemin = tmp_path / "socle-jwe.pem"
    chemin.write_text(prive)
    from socle.connecteurs.psc import configuration as conf_psc

    original = configuration.configuration
    configuration.configuration = lambda: conf_psc.avec(original(), cle_dechiffrement=prive)
    try:
        assert psc_outils.aller_retour(client, bouchon, f"8{pro.rpps}").status_code == 302
    finally:
        configuration.configuration = original
    assert "_auth_user_id" in client.session


def test_userinfo_en_json_accepte(client, bouchon, infirmiere):
    pro, s1, s2 = infirmiere
    s2.delete()
    bouchon._identites = [psc_outils.identite_de(pro, [s1])]
    bouchon.userinfo_format = "json"
    assert psc_outils.aller_retour(client, bouchon, f"8{pro.rpps}").status_code == 302


def test_refus_sur_l_ecps_trace(client, bouchon, infirmiere):
    pro, s1, s2 = infirmiere
    bouchon._identites = [psc_outils.identite_de(pro, [s1])]
    reponse = psc_outils.aller_retour(client, bouchon, f"8{pro.rpps}", decision="refuser")
    assert reponse.status_code == 403
    assert EvenementAudit.objects.filter(action=Action.ECHEC_CONNEXION, details__motif="erreur_psc").exists()


def test_jetons_chiffres_en_session_puis_deconnexion_psc(client, bouchon, infirmiere):
    pro, s1, s2 = infirmiere
    s2.delete()
    bouchon._identites = [psc_outils.identite_de(pro, [s1])]
    psc_outils.aller_retour(client, bouchon, f"8{pro.rpps}")
    jetons = psc_services.jetons(client.get("/").wsgi_request)
    assert jetons["access_token"] and jetons["refresh_token"] and jetons["id_token"]
    ligne = Session.objects.get(session_key=client.session.session_key).session_data
    assert jetons["access_token"] not in ligne and jetons["refresh_token"] not in ligne
    assert jetons["access_token"] not in json.dumps(dict(client.session))
    reponse = client.post("/comptes/deconnexion/")
    assert reponse.status_code == 200
    url = reponse.context["url"]
    assert url.startswith(bouchon.url + "/logout?") and "id_token_hint=" in url and "post_logout_redirect_uri=" in url
    assert "_auth_user_id" not in client.session


def _expirer(client) -> dict:
    """Make the session's access token look expired (as a few minutes later)."""
    from socle.connecteurs.psc import jetons as chiffre

    session = client.session
    jetons = chiffre.dechiffrer(session[psc_services.CLE_JETONS], settings.SECRET_KEY)
    jetons["expires_at"] = 0
    session[psc_services.CLE_JETONS] = chiffre.chiffrer(jetons, settings.SECRET_KEY)
    session.save()
    return jetons


def test_jeton_de_rafraichissement_refuse_fin_de_session(client, bouchon, infirmiere):
    pro, s1, s2 = infirmiere
    s2.delete()
    bouchon._identites = [psc_outils.identite_de(pro, [s1])]
    psc_outils.aller_retour(client, bouchon, f"8{pro.rpps}")
    anciens = _expirer(client)
    # PSC refreshes: the session goes on with new tokens
    assert client.get("/").status_code == 200
    assert psc_services.jetons(client.get("/").wsgi_request)["access_token"] != anciens["access_token"]
    # PSC refuses the refresh token: Socle's session ends
    bouchon.refresh_invalide = True
    _expirer(client)
    reponse = client.get("/")
    assert reponse.status_code == 302 and "psc_terminee=1" in reponse["Location"]
    assert "_auth_user_id" not in client.session
    assert EvenementAudit.objects.filter(action=Action.DECONNEXION, details__motif__startswith="session Pro Santé Connect"
                                         ).exists()


def test_blocage_apres_echecs_repetes(client, bouchon, infirmiere, settings):
    pro, s1, s2 = infirmiere
    bouchon._identites = [psc_outils.identite_de(pro, [s1])]
    bouchon.defaut = "acr"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        psc_outils.aller_retour(client, bouchon, f"8{pro.rpps}")
    bouchon.defaut = ""
    assert psc_outils.aller_retour(client, bouchon, f"8{pro.rpps}").status_code == 429


@pytest.mark.django_db(transaction=True)
def test_demo_le_bouchon_sert_les_professionnels_du_registre(client, settings):
    """As in `socle demo`: the sign-in page offers PSC, whose stand-in (started on demand) lists the registry's
    professionals with realistic SubjectRefPro claims, the demo nurse first; she gets the choice of her EHPAD."""
    from django.core.management import call_command

    call_command("demo", "--no-serve")
    configuration.installer_bouchon(None)
    b = configuration.bouchon()
    try:
        settings.SOCLE_DEMO = True
        page = client.get("/comptes/connexion/").content.decode()
        assert "Se connecter avec Pro Santé Connect" in page
        identites = b.identites()
        claire = identites[0]
        assert claire.nom == "INFIRMIERE-PSC-DEMO" and claire.subject_name_id.startswith("8")
        activites = [a for e in claire.exercices for a in e["activities"]]
        assert claire.exercices[0]["codeProfession"] == "60" and len(activites) == 2
        assert all(len(a["numeroFinessSite"]) == 9 and a["numeroFinessetablissementJuridique"] for a in activites)
        assert len(identites) > 20 and identites[-1].nom == "INCONNU-DEMO"
        reponse = psc_outils.aller_retour(client, b, claire.subject_name_id)
        assert reponse["Location"] == "/comptes/pro-sante-connect/situation/"
        client.post("/comptes/deconnexion/")
        assert psc_outils.aller_retour(Client(), b, identites[-1].subject_name_id).status_code == 403
    finally:
        settings.SOCLE_DEMO = False
        configuration.installer_bouchon(None)
        b.arreter()


def test_retour_sans_demande_en_cours_refuse(client, bouchon):
    """A callback whose state matches no sign-in started in this browser (forged or replayed) is refused."""
    reponse = client.get("/comptes/pro-sante-connect/retour/?code=vole&state=inconnu")
    assert reponse.status_code == 302 and reponse["Location"] == "/comptes/connexion/"
    assert "_auth_user_id" not in client.session
    assert "aucune demande de connexion en cours" in client.get("/comptes/connexion/").content.decode()
    ev = EvenementAudit.objects.filter(action=Action.ECHEC_CONNEXION).latest("pk")
    assert ev.details["motif"] == "state"
    assert not any(e["evenement"] == "token" for e in bouchon.journal)  # no code was exchanged


def test_pkce_le_code_seul_ne_suffit_pas(client, bouchon, infirmiere):
    """PKCE S256: the authorization code alone (stolen on the way back) cannot be exchanged without Socle's
    verifier, kept in the session; Socle's own exchange then works."""
    import requests

    pro, s1, s2 = infirmiere
    s2.delete()
    bouchon._identites = [psc_outils.identite_de(pro, [s1])]
    depart = client.get("/comptes/pro-sante-connect/")
    assert "code_challenge_method=S256" in depart["Location"] and "acr_values=eidas1" in depart["Location"]
    assert "scope=openid+scope_all" in depart["Location"] and "nonce=" in depart["Location"]
    approbation = requests.post(depart["Location"], data={"identite": f"8{pro.rpps}", "decision": "approuver"},
                                allow_redirects=False, timeout=10)
    code = approbation.headers["Location"].split("code=")[1].split("&")[0]
    vol = requests.post(f"{bouchon.url}/token", auth=("socle-test", psc_outils.SECRET), timeout=10,
                        data={"grant_type": "authorization_code", "code": code,
                              "redirect_uri": "http://testserver/comptes/pro-sante-connect/retour/"})
    assert vol.status_code == 400 and "access_token" not in vol.text
    retour = approbation.headers["Location"].split("/comptes/", 1)[1]
    assert client.get("/comptes/" + retour).status_code == 302
    assert "_auth_user_id" in client.session


def test_la_page_e_cps_du_bouchon_cherche_parmi_des_centaines_d_identites(client, bouchon, infirmiere):
    """The demo's stand-in lists the whole staff registry: the first 25 shown, a search by name (accents and case
    ignored) narrows them, and the person found approves and signs in as before (the search keeps the request)."""
    import requests

    from socle.connecteurs.psc.standin import MAX_IDENTITES_AFFICHEES, IdentiteTest

    pro, s1, s2 = infirmiere
    elle = psc_outils.identite_de(pro, [s1, s2])
    autres = [IdentiteTest(f"8{10000000000 + i}", "Jean", f"FIGURANT{i:03d}", []) for i in range(300)]
    bouchon._identites = [*autres, elle]
    depart = client.get("/comptes/pro-sante-connect/")
    page = requests.get(depart["Location"], timeout=10).text
    assert page.count('name="identite"') == MAX_IDENTITES_AFFICHEES and "301 identités" in page
    assert elle.subject_name_id not in page and 'role="search"' in page and '<label for="nom">' in page
    recherche = requests.get(depart["Location"] + "&nom=soin-tést", timeout=10)
    assert recherche.status_code == 200 and recherche.text.count('name="identite"') == 1
    assert f'value="{elle.subject_name_id}" checked' in recherche.text
    assert "Aucune identité de test ne contient « ZZZ »" in requests.get(depart["Location"] + "&nom=ZZZ",
                                                                         timeout=10).text
    approbation = requests.post(depart["Location"] + "&nom=soin-tést",
                                data={"identite": elle.subject_name_id, "decision": "approuver"},
                                allow_redirects=False, timeout=10)
    assert approbation.status_code == 302, approbation.text
    retour = approbation.headers["Location"]
    reponse = client.get(retour[retour.index("/comptes/"):])
    assert reponse.status_code == 302 and reponse["Location"] == "/comptes/pro-sante-connect/situation/"
