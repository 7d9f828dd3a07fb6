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
    with django_assert_max_num_queries(8):
        assert c.get(reverse("usagers:qualifier", args=[gens[0].pk])).status_code == 200
