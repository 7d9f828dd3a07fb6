"""The shared job lifecycle (socle.core.travaux): allowed transitions only, timestamps, a conditional claim so
two processes never take the same job, and detection of jobs whose worker died."""

from datetime import timedelta

import pytest
from django.utils import timezone

from socle.core.travaux import TransitionInterdite
from socle.usagers.models import LotQualification
from tests.factories import EtablissementFactory

pytestmark = pytest.mark.django_db
E = LotQualification.Etat


def test_transitions_permises_et_horodatage():
    lot = LotQualification.objects.create(etablissement=EtablissementFactory())
    assert lot.demarre_le is None and not lot.fini
    lot.passer(E.EN_COURS)
    assert lot.demarre_le is not None and lot.battement is not None
    lot.passer(E.TERMINE)
    lot.refresh_from_db()
    assert lot.etat == E.TERMINE and lot.termine_le >= lot.demarre_le and lot.fini
    with pytest.raises(TransitionInterdite, match="Terminé"):
        lot.passer(E.EN_COURS)


def test_transition_illegale_refusee():
    lot = LotQualification.objects.create(etablissement=EtablissementFactory())
    with pytest.raises(TransitionInterdite):
        lot.passer(E.TERMINE)  # never ends without having run
    lot.refresh_from_db()
    assert lot.etat == E.EN_ATTENTE and lot.termine_le is None


def test_deux_processus_ne_prennent_pas_le_meme_travail():
    lot = LotQualification.objects.create(etablissement=EtablissementFactory())
    premier = LotQualification.objects.get(pk=lot.pk)
    second = LotQualification.objects.get(pk=lot.pk)
    premier.passer(E.INTERROMPU, message="certificat retiré")
    with pytest.raises(TransitionInterdite, match="un autre processus"):
        second.passer(E.EN_COURS)  # it still believes the batch is waiting
    lot.refresh_from_db()
    assert lot.etat == E.INTERROMPU and lot.message == "certificat retiré"


def test_travaux_bloques():
    vivant = LotQualification.objects.create(etablissement=EtablissementFactory())
    mort = LotQualification.objects.create(etablissement=EtablissementFactory())
    for lot in (vivant, mort):
        lot.passer(E.EN_COURS)
    LotQualification.objects.filter(pk=mort.pk).update(battement=timezone.now() - timedelta(minutes=30))
    vivant.signe_de_vie()
    assert list(LotQualification.bloques(timedelta(minutes=10))) == [mort]
