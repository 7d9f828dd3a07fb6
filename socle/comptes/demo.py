"""Demo accounts, one per persona of the brief."""

from django.utils.translation import gettext_lazy as _

from .models import Fonction, Habilitation, Utilisateur

DEMO_PASSWORD = "demo-socle-2026"  # every demo account's password, shown on the demo sign-in page
# Every demo account's second factor: one TOTP key, whose current code the demo's sign-in pages show.
DEMO_TOTP_CLE = "736f636c652d64656d6f2d746f74702d32303236"  # hex, 20 bytes


def code_totp_demo() -> str:
    """The demo's second-factor code of the moment (RFC 6238, 30 s)."""
    from binascii import unhexlify

    from django_otp.oath import totp

    return f"{totp(unhexlify(DEMO_TOTP_CLE)):06d}"


def _compte(username: str, first: str, last: str, habilitations: list[tuple[str, dict]]) -> Utilisateur:
    user, created = Utilisateur.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@demo.invalid"})
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save()
    user.habilitations.all().delete()
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user).delete()
    TOTPDevice.objects.create(user=user, name="Démo", key=DEMO_TOTP_CLE, confirmed=True)
    for fonction, perimetre in habilitations:
        Habilitation.objects.create(utilisateur=user, fonction=fonction, **perimetre)
    return user


# (persona, username, first name, last name): one account per persona of the brief, shown on the sign-in page.
PERSONAS = [
    (_("Directrice d'ESMS (représentante légale)"), "directrice", "Camille", "DÉMO-DIRECTRICE"),
    (_("Chef de projet de la grappe"), "chefprojet", "Samir", "DÉMO-CHEFPROJET"),
    (_("Gestionnaire RPPS+ (RH)"), "rh", "Nadia", "DÉMO-RH"),
    (_("Secrétaire d'admission (INS)"), "admission", "Julie", "DÉMO-ADMISSION"),
    (_("Responsable informatique (admin technique)"), "informatique", "Hugo", "DÉMO-INFORMATIQUE"),
    (_("Infirmière d'EHPAD (documents, DLU)"), "infirmiere", "Inès", "DÉMO-INFIRMIÈRE"),
]


def comptes_demo() -> dict[str, str]:
    """Persona label -> username."""
    return {str(persona): username for persona, username, _first, _last in PERSONAS}


def peupler(ctx) -> None:
    og1, og2 = ctx.organismes[0], ctx.organismes[1]
    habilitations = {
        "directrice": [(Fonction.REPRESENTANT_LEGAL, {"organisme": og1}), (Fonction.DPO, {"organisme": og1})],
        "chefprojet": [(Fonction.CHEF_PROJET, {"grappe": ctx.grappe})],
        "rh": [(Fonction.GESTIONNAIRE_RPPS, {"organisme": og1}), (Fonction.GESTIONNAIRE_RPPS, {"organisme": og2})],
        "admission": [(Fonction.ADMISSION, {"etablissement": ctx.etablissements[0]})],
        "informatique": [(Fonction.ADMIN_TECHNIQUE, {"organisme": og1})],
        # linked to her staff record (profession infirmier) by documents.demo
        "infirmiere": [(Fonction.PROFESSIONNEL, {"etablissement": ctx.etablissements[0]})],
    }
    for persona, username, first, last in PERSONAS:
        _compte(username, first, last, habilitations[username])
        ctx.comptes[str(persona)] = username
