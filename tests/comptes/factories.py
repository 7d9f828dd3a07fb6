"""factory_boy factories of the accounts app (people and their habilitations)."""

import factory

from socle.comptes.models import Fonction, Habilitation, Utilisateur


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
