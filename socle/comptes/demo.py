"""Demo accounts, one per persona of the brief."""

from django.utils.translation import gettext as _

from socle.core.demo import DEMO_PASSWORD

from .models import Fonction, Habilitation, Utilisateur


def _compte(username: str, first: str, last: str, habilitations: list[tuple[str, dict]]) -> Utilisateur:
    user, created = Utilisateur.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@demo.invalid"})
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save()
    user.habilitations.all().delete()
    for fonction, perimetre in habilitations:
        Habilitation.objects.create(utilisateur=user, fonction=fonction, **perimetre)
    return user


def peupler(ctx) -> None:
    og1, og2 = ctx.organismes[0], ctx.organismes[1]
    ehpad = ctx.etablissements[0]
    personas = [
        (_("Directrice d'ESMS (représentante légale)"), "directrice", "Camille", "DÉMO-DIRECTRICE",
         [(Fonction.REPRESENTANT_LEGAL, {"organisme": og1}), (Fonction.DPO, {"organisme": og1})]),
        (_("Chef de projet de la grappe"), "chefprojet", "Samir", "DÉMO-CHEFPROJET",
         [(Fonction.CHEF_PROJET, {"grappe": ctx.grappe})]),
        (_("Gestionnaire RPPS+ (RH)"), "rh", "Nadia", "DÉMO-RH",
         [(Fonction.GESTIONNAIRE_RPPS, {"organisme": og1}), (Fonction.GESTIONNAIRE_RPPS, {"organisme": og2})]),
        (_("Secrétaire d'admission (INS)"), "admission", "Julie", "DÉMO-ADMISSION",
         [(Fonction.ADMISSION, {"etablissement": ehpad})]),
        (_("Responsable informatique (admin technique)"), "informatique", "Hugo", "DÉMO-INFORMATIQUE",
         [(Fonction.ADMIN_TECHNIQUE, {"organisme": og1})]),
    ]
    for persona, username, first, last, habs in personas:
        _compte(username, first, last, habs)
        ctx.comptes[persona] = username
