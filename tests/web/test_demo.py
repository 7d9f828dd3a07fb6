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
