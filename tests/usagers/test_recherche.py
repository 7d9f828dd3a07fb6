"""The admission desk's search: by name, INS, or birth date (JJ/MM/AAAA), alone or with a name."""

from datetime import date

import pytest
from django.urls import reverse

from socle.usagers import services
from tests.usagers.factories import fixture_admission, fixture_etablissement  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("q", "attendu"), [
    ("12/03/1941", ("", date(1941, 3, 12))),
    ("  martin 2/3/1941 ", ("martin", date(1941, 3, 2))),
    ("MARTIN", ("MARTIN", None)),
    ("31/02/1941", ("31/02/1941", None)),  # no such day: left as text, finds nobody
    ("1/2/3/1941", ("1/2/3/1941", None)),
    ("", ("", None)),
])
def test_critere_recherche(q, attendu):
    assert services.critere_recherche(q) == attendu


def _creer(et, nom, d):
    return services.creer_usager(et.organisme, et, {"nom_naissance": nom, "prenoms_naissance": "Anne", "sexe": "F",
                                                    "date_naissance": d, "lieu_naissance": "69123"})


def test_recherche_par_date_de_naissance_et_par_nom(client_de, admission, etablissement):
    _creer(etablissement, "Rechun", date(1941, 3, 12))
    _creer(etablissement, "Rechdeux", date(1941, 3, 12))
    _creer(etablissement, "Rechtrois", date(1950, 1, 1))
    c = client_de(admission)

    def noms(q):
        page = c.get(reverse("usagers:index"), {"q": q}).content.decode()
        return {n for n in ("RECHUN", "RECHDEUX", "RECHTROIS") if n in page}

    assert noms("12/03/1941") == {"RECHUN", "RECHDEUX"}
    assert noms("rechd 12/03/1941") == {"RECHDEUX"}
    assert noms("rech") == {"RECHUN", "RECHDEUX", "RECHTROIS"}
    assert noms("01/01/1951") == set()


def test_pages_d_admission_en_nombre_de_requetes_borne(client_de, admission, etablissement,
                                                       django_assert_max_num_queries):
    """The desk's pages read the perimeter once and the rights once per page, whatever the number of people
    (load test: the record and the search answer in 150 ms at p95)."""
    gens = [_creer(etablissement, f"Borne{chr(65 + i)}", date(1940, 1, 1 + i)) for i in range(12)]
    c = client_de(admission)
    c.get(reverse("usagers:index"))
    with django_assert_max_num_queries(13):
        assert c.get(reverse("usagers:index"), {"q": "borne"}).status_code == 200
    with django_assert_max_num_queries(13):
        assert c.get(reverse("usagers:index"), {"q": "01/01/1940"}).status_code == 200
    with django_assert_max_num_queries(12):
        assert c.get(reverse("usagers:fiche", args=[gens[0].pk])).status_code == 200
    with django_assert_max_num_queries(9):  # + the open INS anomalies, shown beside the identity
        assert c.get(reverse("usagers:qualifier", args=[gens[0].pk])).status_code == 200


def test_recherche_nom_prenom_dans_les_deux_ordres_date_et_ins(client_de, admission, etablissement):
    """The desk types what the person says: "NOM Prénom", "Prénom NOM", a birth date, or the INS read on a
    document (with spaces, with or without its key)."""
    jeanne = services.creer_usager(etablissement.organisme, etablissement, {
        "nom_naissance": "Recherche-Dupont", "prenoms_naissance": "Jeanne Hélène", "sexe": "F",
        "date_naissance": date(1941, 3, 12), "lieu_naissance": "69123", "nom_utilise": "Lefèvre"})
    services.creer_usager(etablissement.organisme, etablissement, {
        "nom_naissance": "Recherche", "prenoms_naissance": "Paul", "sexe": "M",
        "date_naissance": date(1941, 3, 12), "lieu_naissance": "69123"})
    type(jeanne).objects.filter(pk=jeanne.pk).update(matricule_ins="2410369123456", cle_ins="12")
    c = client_de(admission)

    def noms(q):
        page = c.get(reverse("usagers:index"), {"q": q}).content.decode()
        return {n for n, marque in (("jeanne", "LEFEVRE"), ("paul", ">PAUL<")) if marque in page}

    assert noms("RECHERCHE-DUPONT Jeanne") == {"jeanne"}
    assert noms("Jeanne RECHERCHE-DUPONT") == {"jeanne"}
    assert noms("hélène recherche") == {"jeanne"}  # second first name, accents ignored
    assert noms("DUPONT jeanne") == {"jeanne"}  # second part of a compound name
    assert noms("LEFEVRE Jeanne") == {"jeanne"}  # used name
    assert noms("Paul RECHERCHE") == {"paul"}
    assert noms("Jeanne PAUL") == set()  # every word must match
    assert noms("12/03/1941") == {"jeanne", "paul"}
    assert noms("Paul 12/03/1941") == {"paul"}
    assert noms("2 41 03 69 123 456 12") == {"jeanne"}  # INS with its key, spaced as on a card
    assert noms("2410369123456") == {"jeanne"}
    assert noms("2410369123456 99") == set()  # wrong key
    assert noms("24103") == {"jeanne"}  # first digits
    type(jeanne).objects.filter(pk=jeanne.pk).update(matricule_ins="297022A020778", cle_ins="78")
    assert noms("2 97 02 2A 020 778 78") == {"jeanne"}  # born in Corsica
    assert noms("297022a") == {"jeanne"}
