"""Birthplace chosen by commune (former ones included) or country name, never typed as a code, and shown with its
name on the record, the comparison with INSi and the creation screen (R-LN-01)."""

import re

import pytest
from django.urls import reverse

from socle.usagers.models import Usager
from tests.usagers.factories import fixture_admission, fixture_etablissement  # noqa: F401

pytestmark = pytest.mark.django_db


def _creer(c, etablissement, nom, lieu):
    return c.post(reverse("usagers:nouveau"), {
        "nom_naissance": nom, "prenoms_naissance": "Zoé", "premier_prenom": "", "date_naissance": "1940-01-02",
        "sexe": "F", "lieu_naissance": lieu, "etablissement": etablissement.pk, "date_admission": "01/11/2026"})


@pytest.mark.parametrize(("choisi", "code"), [
    ("Lyon (Rhône)", "69123"),  # the text of a suggestion
    ("lyon", "69123"),  # typed without JavaScript: one place has exactly this name
    ("Arbignieu (Ain, ancienne commune)", "01015"),  # born there before the merger
    ("Maroc (pays)", "99350"),
    ("Saint-Denis (La Réunion)", "97411"),
])
def test_lieu_choisi_par_son_nom(client_de, admission, etablissement, choisi, code):
    r = _creer(client_de(admission), etablissement, "Demolieu", choisi)
    assert r.status_code == 302
    assert Usager.objects.get(nom_naissance="DEMOLIEU").lieu_naissance == code


def test_lieu_ambigu_ou_inconnu_refuse_avec_les_candidats(client_de, admission, etablissement):
    c = client_de(admission)
    r = _creer(c, etablissement, "Demoambigu", "Saint-Denis")
    page = r.content.decode()
    assert r.status_code == 200 and not Usager.objects.filter(nom_naissance="DEMOAMBIGU").exists()
    assert "plusieurs lieux possibles" in page and "Saint-Denis (La Réunion)" in page
    r = _creer(c, etablissement, "Demoambigu", "Xyzzyville")
    assert "aucune commune ni aucun pays de ce nom" in r.content.decode()
    r = _creer(c, etablissement, "Demoambigu", "98765")  # a code unknown to the COG is not accepted either
    assert "code absent du Code officiel géographique" in r.content.decode()
    assert not Usager.objects.filter(nom_naissance="DEMOAMBIGU").exists()


def test_champ_accessible_avec_suggestions(client_de, admission, etablissement):
    c = client_de(admission)
    page = c.get(reverse("usagers:nouveau")).content.decode()
    champ = re.search(r'<input type="text" name="lieu_naissance"[^>]*>', page).group(0)
    assert 'list="id_lieu_naissance-choix"' in champ and 'aria-describedby="id_lieu_naissance-aide"' in champ
    assert f'hx-get="{reverse("usagers:lieux")}"' in champ
    assert '<label for="id_lieu_naissance">Lieu de naissance (commune ou pays)</label>' in page
    assert '<datalist id="id_lieu_naissance-choix">' in page and 'id="id_lieu_naissance-aide"' in page
    options = c.get(reverse("usagers:lieux"), {"lieu_naissance": "st etienne"}).content.decode()
    assert '<option value="Saint-Étienne (Loire)">42218 — commune issue d\'une fusion' in options  # Rochetaillée, 1973
    options = c.get(reverse("usagers:lieux"), {"lieu_naissance": "arbign"}).content.decode()
    assert "Arbignieu (Ain, ancienne commune)" in options and "01015 — aujourd'hui Arboys en Bugey" in options
    options = c.get(reverse("usagers:lieux"), {"lieu_naissance": "arboys"}).content.decode()
    assert re.search(r'<option value="Arboys en Bugey \(Ain\)">01015 — commune issue d' r"'une fusion : née avant la fusion à "
                     r"[^<]*Saint-Bois[^<]* \? choisissez l'ancienne commune</option>", options)


def test_suggestions_reservees_aux_dossiers(client_de, etablissement):
    from socle.comptes.models import Fonction
    from tests.comptes.factories import utilisateur_avec

    rl = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=etablissement.organisme)
    assert client_de(rl).get(reverse("usagers:lieux"), {"lieu_naissance": "lyon"}).status_code == 403


def test_codes_montres_avec_leur_nom(client_de, admission, etablissement):
    c = client_de(admission)
    _creer(c, etablissement, "Demonom", "99350")
    u = Usager.objects.get(nom_naissance="DEMONOM")
    fiche = c.get(reverse("usagers:fiche", args=[u.pk])).content.decode()
    assert "Maroc (pays) · 99350" in fiche
    qualif = c.get(reverse("usagers:qualifier", args=[u.pk])).content.decode()
    assert 'value="Maroc (pays)"' in qualif  # the form shows the name, not the code
    # the anteriority search before a creation lists the people born that day with their birthplace named
    r = _creer(c, etablissement, "Demonomdeux", "Lyon (Rhône)")
    assert r.status_code == 200 and "Maroc (pays) · 99350" in r.content.decode()
