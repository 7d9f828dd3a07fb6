"""The shared job lifecycle (socle.core.travaux): allowed transitions only, timestamps, a conditional claim so
two processes never take the same job, and detection of jobs whose worker died."""

from datetime import timedelta

import pytest
from django.utils import timezone

from socle.core.travaux import TransitionInterdite
from socle.usagers.models import LotQualification
from tests.organisations.factories import EtablissementFactory

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


def test_commande_travaux_bloques_clot_chaque_sorte_de_travail():
    import io

    from django.core.management import call_command

    from socle.organisations.models import ImportFiness
    from socle.personnel.models import ImportPersonnel

    et = EtablissementFactory()
    lot = LotQualification.objects.create(etablissement=et)
    finess = ImportFiness.objects.create(nom_fichier="f.json")
    rh = ImportPersonnel.objects.create(organisme=et.organisme, nom_fichier="p.csv")
    for travail, statut in ((lot, E.EN_COURS), (finess, ImportFiness.Statut.EN_COURS),
                            (rh, ImportPersonnel.Statut.EN_ANALYSE)):
        travail.passer(statut)
        type(travail).objects.filter(pk=travail.pk).update(battement=timezone.now() - timedelta(hours=2))
    sortie = io.StringIO()
    call_command("travaux_bloques", stdout=sortie)
    assert "imports FINESS 1, imports du personnel 1, lots INSi 1" in sortie.getvalue()
    for travail in (lot, finess, rh):
        travail.refresh_from_db()
    assert lot.etat == E.INTERROMPU and "reprenez le lot" in lot.message
    assert finess.statut == ImportFiness.Statut.ERREUR and rh.statut == ImportPersonnel.Statut.ECHEC
    lot.passer(E.EN_COURS)  # an interrupted batch may be resumed
