import pytest
from django.core.management import call_command

from socle.comptes.models import Utilisateur
from socle.core.identifiants import finess_error
from socle.organisations.models import Etablissement, Grappe

pytestmark = pytest.mark.django_db


def test_demo_builds_a_valid_deterministic_grappe(capsys):
    call_command("demo", "--no-serve")
    first = sorted(Etablissement.objects.values_list("finess", flat=True))
    call_command("demo", "--no-serve")  # refresh: same data, no duplicates
    assert sorted(Etablissement.objects.values_list("finess", flat=True)) == first
    assert 25 <= len(first) <= 40
    assert all(finess_error(n) is None for n in first)
    grappe = Grappe.objects.get()
    assert grappe.etablissements().count() == len(first)
    assert Utilisateur.objects.filter(username="chefprojet").exists()
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/" in out and "chefprojet" in out


def test_sign_in_page_lists_the_demo_grappe_in_demo_mode(client, settings):
    call_command("demo", "--no-serve")
    settings.SOCLE_DEMO = True
    page = client.get("/comptes/connexion/").content.decode()
    assert "GCSMS Démo Les Vallées du Rhône" in page and "chefprojet" in page
    settings.SOCLE_DEMO = False
    assert "GCSMS Démo" not in client.get("/comptes/connexion/").content.decode()


def test_demo_og_peut_alimenter_le_dmp_bouchon():
    """The demo's first OG holds its DMP pair (authentication + RSA signature) issued by the DMP stand-in's CA,
    and the demo sends one DLU to the local stand-in."""
    from socle.connecteurs.dmp.client import cle_et_certificat
    from socle.connecteurs.dmp.standin import pki_locale
    from socle.organisations.models import OrganismeGestionnaire
    from socle.prerequis.services import certificat_pour, certificats_dmp_prets

    call_command("demo", "--no-serve")
    ok = [og for og in OrganismeGestionnaire.objects.all() if certificats_dmp_prets(og)[0]]
    assert ok, "aucun organisme de la démo n'a ses certificats DMP"
    _cle, cert = cle_et_certificat(certificat_pour(ok[0], "DMP-SIGN"))
    assert pki_locale().autorite().a_emis(cert) and cert.public_key().key_size == 2048
    # the demo fed the local DMP stand-in with a DLU, and its resident consented to the consultation
    from socle.documents.models import ChoixUsager, EnvoiDmp

    envoi = EnvoiDmp.objects.get()
    assert envoi.etat == "accepte" and envoi.document.statut == "accepte"
    assert ChoixUsager.objects.filter(usager=envoi.document.usager, objet="consent", fin_le__isnull=True).exists()
