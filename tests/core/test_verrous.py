"""The exclusive lock of socle.core.verrous (advisory lock on PostgreSQL, flock on SQLite) and its use by the INS
batch: a batch held by another live process is left alone, nobody is called."""

from datetime import timedelta

import pytest
from django.utils import timezone

from socle.core.verrous import verrou_exclusif
from socle.usagers import batch
from socle.usagers.models import LigneLot, LotQualification
from tests.organisations.factories import EtablissementFactory
from tests.usagers.factories import fixture_journal  # noqa: F401
from tests.usagers.test_lot import _peupler

pytestmark = pytest.mark.django_db


def test_un_verrou_pris_est_refuse_aux_autres_puis_rendu():
    with verrou_exclusif("essai") as premier:
        with verrou_exclusif("essai") as second, verrou_exclusif("autre") as autre:
            assert premier and not second and autre
    with verrou_exclusif("essai") as encore:
        assert encore


def test_un_lot_tenu_par_un_autre_processus_est_laisse_sans_appel(journal, settings):
    settings.SOCLE_INSI_EXIGER_CERTIFICAT = False
    et = EtablissementFactory()
    _peupler(et, n_trouves=2)
    lot = batch.preparer_lot(et, debit=50)
    with verrou_exclusif(f"lot-ins-{lot.pk}"):  # as if a worker elsewhere were running it
        assert batch.executer_lot(lot.pk, pause=lambda s: None).etat == "attente"
    assert not journal.appels and not lot.lignes.exclude(etat=LigneLot.Etat.A_FAIRE).exists()
    assert batch.executer_lot(lot.pk, pause=lambda s: None).etat == "termine"  # released: it runs
    assert len(journal.appels) == lot.lignes.count()


def test_un_lot_silencieux_dont_le_processus_vit_n_est_pas_pris_pour_bloque():
    """A slow INSi call leaves no sign of life for a while; the lock says its process is alive."""
    lot = LotQualification.objects.create(etablissement=EtablissementFactory())
    lot.passer(LotQualification.Etat.EN_COURS)
    LotQualification.objects.filter(pk=lot.pk).update(battement=timezone.now() - timedelta(hours=1))
    with verrou_exclusif(f"lot-ins-{lot.pk}"):
        assert batch.interrompre_bloques(timedelta(minutes=15)) == 0
    lot.refresh_from_db()
    assert lot.etat == LotQualification.Etat.EN_COURS
    assert batch.interrompre_bloques(timedelta(minutes=15)) == 1  # its process died: the lock went with it
    lot.refresh_from_db()
    assert lot.etat == LotQualification.Etat.INTERROMPU
