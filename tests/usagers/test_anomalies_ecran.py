"""The anomaly queue shows what to do on screen (not only in the Excel export), and opening an anomaly shows its
conduct beside the identity."""

from datetime import date
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from socle.usagers import conduites, services
from socle.usagers.models import AnomalieIns
from tests.usagers.factories import fixture_admission, fixture_etablissement  # noqa: F401

pytestmark = pytest.mark.django_db


def _anomalie(et, nom, type_, detail=""):
    u = services.creer_usager(et.organisme, et, {"nom_naissance": nom, "prenoms_naissance": "Anne", "sexe": "F",
                                                 "date_naissance": date(1941, 3, 12), "lieu_naissance": "69123"})
    return AnomalieIns.objects.create(usager=u, etablissement=et, type=type_, detail=detail, creee_le=timezone.now())


def test_file_montre_la_conduite_a_tenir_sans_filtre(client_de, admission, etablissement):
    _anomalie(etablissement, "Demoanoun", "non_trouvee", "INSi : aucune identité")
    _anomalie(etablissement, "Demoanodeux", "commune", "69123 / INSi 69999")
    page = unescape(client_de(admission).get(reverse("usagers:anomalies")).content.decode())
    for type_ in ("non_trouvee", "commune"):
        c = conduites.conduite(type_)
        assert c["titre"] in page and c["verifier"] in page and c["contacter"] in page
        assert page.count(c["ensuite"]) >= 2  # in its guide and on each of its rows
    assert "<th>Conduite à tenir</th>" in page


def test_anomalie_ouverte_montre_la_conduite_a_cote_de_l_identite(client_de, admission, etablissement):
    a = _anomalie(etablissement, "Demoanotrois", "prenoms", "Liste des prénoms différente")
    c = client_de(admission)
    queue = c.get(reverse("usagers:anomalies")).content.decode()
    lien = reverse("usagers:qualifier", args=[a.usager_id])
    assert f'href="{lien}"' in queue
    page = unescape(c.get(lien).content.decode())
    cote = page[page.index('<div class="cote-a-cote">'):]
    assert cote.index('id="zone-qualification"') < cote.index('id="anomalies-usager"')
    guide = conduites.conduite("prenoms")
    assert "Conduite à tenir : " + guide["titre"] in cote and guide["document"] in cote
    assert "Liste des prénoms différente" in cote
    fiche = unescape(c.get(reverse("usagers:fiche", args=[a.usager_id])).content.decode())
    assert guide["ensuite"] in fiche
    # once resolved, the record no longer shows it
    c.post(reverse("usagers:anomalie_resoudre", args=[a.pk]), {"resolution": "Prénoms corrigés"})
    assert 'id="anomalies-usager"' not in c.get(lien).content.decode()
