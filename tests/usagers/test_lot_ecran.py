"""The batch screen says where a batch is in plain words and offers "Reprendre" only for a batch that stopped."""

from datetime import timedelta
from html import unescape

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from socle.comptes.models import Fonction
from socle.usagers.models import LotQualification
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory

pytestmark = pytest.mark.django_db
E = LotQualification.Etat


@pytest.fixture(name="ecran")
def fixture_ecran(client_de):
    et = EtablissementFactory()
    c = client_de(utilisateur_avec(Fonction.ADMIN_TECHNIQUE, organisme=et.organisme))

    def page(**champs):
        lot = LotQualification.objects.create(etablissement=et, **champs)
        return lot, unescape(c.get(reverse("usagers:lot", args=[lot.pk])).content.decode())

    page.client = c
    return page


def test_lot_termine_ne_propose_pas_de_reprendre(ecran):
    fin = timezone.now()
    lot, html = ecran(etat=E.TERMINE, demarre_le=fin - timedelta(minutes=1), termine_le=fin)
    assert "Lot terminé le" in html and "Reprendre" not in html and "hx-trigger" not in html
    # even posted by hand, a finished batch is not started again
    with override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}):
        from django.tasks import default_task_backend

        r = ecran.client.post(reverse("usagers:lot_reprendre", args=[lot.pk]), follow=True)
        assert "il n'y a rien à reprendre" in unescape(r.content.decode())
        assert default_task_backend.results == []


def test_lot_en_attente_dit_ce_qui_se_passe(ecran):
    _lot, html = ecran(etat=E.EN_ATTENTE)
    assert "En attente : le lot n'a pas encore commencé." in html
    assert "Il démarrera tout seul" in html and "prévenez le responsable informatique" in html
    assert "Reprendre" not in html and 'hx-trigger="every 2s"' in html
    liste = unescape(ecran.client.get(reverse("usagers:lots")).content.decode())
    assert "En attente (pas encore commencé)" in liste


def test_lot_en_cours_reprenable_seulement_sans_signe_de_vie(ecran):
    maintenant = timezone.now()
    _lot, html = ecran(etat=E.EN_COURS, demarre_le=maintenant, battement=maintenant)
    assert "Reprendre" not in html
    _lot, html = ecran(etat=E.EN_COURS, demarre_le=maintenant - timedelta(minutes=10),
                       battement=maintenant - timedelta(minutes=5))
    assert "ne progresse plus depuis plus de deux minutes" in html and 'id="reprendre-lot"' in html
    _lot, html = ecran(etat=E.INTERROMPU, message="certificat expiré")
    assert "Lot interrompu : certificat expiré" in html and 'id="reprendre-lot"' in html
