"""The load test's data set (socle/fictif/charge.py): volumes as asked, deterministic, idempotent, and persona
accounts whose perimeters are what the locustfile expects."""

import pytest
from django.db import transaction

from socle.comptes import rights
from socle.comptes.models import Utilisateur
from socle.fictif import charge
from socle.organisations.models import Etablissement
from socle.personnel.models import Professionnel
from socle.usagers.models import Usager

pytestmark = pytest.mark.django_db

PETITE = charge.Taille(organismes=4, esms_par_og=3, usagers=600, professionnels=120, og_par_grappe=2)


def _compte(nom: str) -> Utilisateur:
    user = Utilisateur.objects.get(username=nom)
    assert user.is_active and user.check_password(charge.MOT_DE_PASSE)
    return user


def test_volumes_comptes_et_perimetres():
    bilan = charge.charger(PETITE, graine=7)
    assert not bilan.deja_charge
    c = bilan.comptes
    assert (c["organismes"], c["esms"], c["grappes"], c["usagers"], c["professionnels"]) == (4, 12, 3, 600, 120)
    assert c["sejours"] > 600 and c["historique"] > 600 and c["situations"] >= 120
    assert c["comptes"] == 12 + 4 + 4 + 2 + 1
    assert set(Usager.objects.values_list("statut", flat=True)) == {"PROV", "RECUP", "VALI", "QUAL"}
    assert Usager.objects.filter(fusionne_dans__isnull=False).exists()
    assert Professionnel.objects.exclude(rpps="").exists()
    ids = charge.identifiants(PETITE)
    user = _compte(ids["admission"][0])
    assert rights.etablissements_visibles(user).get().finess == ids["admission"][0].removeprefix("adm-")
    region = _compte("cdp-region")
    assert rights.etablissements_visibles(region).count() == 12
    cdp = _compte(ids["chef_projet"][0])
    assert rights.etablissements_visibles(cdp).count() == 6
    directrice = _compte(ids["directrice"][0])
    assert set(rights.etablissements_visibles(directrice).values_list("organisme__raison_sociale", flat=True)) \
        == {"CHARGE ASSOCIATION 01"}
    assert ids["directrice"][0].removeprefix("dir-") == rights.organismes_couverts(directrice).get().finess


def _empreinte() -> list[tuple]:
    return list(Usager.objects.order_by("reference_externe").values_list(
        "reference_externe", "nom_naissance", "prenoms_naissance", "date_naissance", "statut", "matricule_ins"))


def test_idempotent_et_deterministe():
    empreintes = []
    for _ in range(2):  # the same seed gives the same people (each load rolled back, as a fresh database)
        with transaction.atomic():
            charge.charger(PETITE, graine=7)
            empreintes.append(_empreinte())
            transaction.set_rollback(True)
    assert empreintes[0] == empreintes[1] and len(empreintes[0]) == 600
    charge.charger(PETITE, graine=7)
    assert charge.charger(PETITE, graine=7).deja_charge  # nothing written the second time
    assert Usager.objects.count() == 600 and Etablissement.objects.count() == 12
    with pytest.raises(RuntimeError, match="autre taille"):
        charge.charger(charge.Taille(organismes=2, esms_par_og=2, usagers=50, professionnels=10), graine=7)


def test_repartition_exacte():
    assert charge._repartir(10, [1.0, 2.0]) == [4, 6]
    assert sum(charge._repartir(100_000, [w for _, w in charge.ESMS_TYPES])) == 100_000
