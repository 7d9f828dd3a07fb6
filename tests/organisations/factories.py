"""factory_boy factories of the organisations app (EJ, ET, grappes)."""

import factory

from socle.core.identifiants import avec_cle_luhn
from socle.organisations.models import Etablissement, Grappe, OrganismeGestionnaire


def finess_seq(n: int, prefix: str = "75") -> str:
    return avec_cle_luhn(f"{prefix}{n:06d}")


class OrganismeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganismeGestionnaire

    finess = factory.Sequence(lambda n: finess_seq(100000 + n))
    raison_sociale = factory.Sequence(lambda n: f"ASSOCIATION TEST {n}")
    commune = "PARIS"


class EtablissementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Etablissement

    finess = factory.Sequence(lambda n: finess_seq(500000 + n))
    organisme = factory.SubFactory(OrganismeFactory)
    nom = factory.Sequence(lambda n: f"EHPAD TEST {n} - PARIS")
    categorie_code = "500"
    commune = "PARIS"
    code_commune = "75056"
    departement = "75"


class GrappeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grappe

    nom = factory.Sequence(lambda n: f"Grappe test {n}")
