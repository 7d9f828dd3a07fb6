"""factory_boy factories shared by every test module."""

import factory

from socle.comptes.models import Fonction, Habilitation, Utilisateur
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


class UtilisateurFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Utilisateur
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Prénom"
    last_name = factory.Sequence(lambda n: f"NOM{n}")
    password = factory.PostGenerationMethodCall("set_password", "motdepasse-test")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class HabilitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Habilitation

    utilisateur = factory.SubFactory(UtilisateurFactory)
    fonction = Fonction.REPRESENTANT_LEGAL


def utilisateur_avec(fonction: str, **perimetre) -> Utilisateur:
    """A user holding `fonction` on one perimeter (etablissement=…, organisme=… or grappe=…)."""
    hab = HabilitationFactory(fonction=fonction, **perimetre)
    return hab.utilisateur
