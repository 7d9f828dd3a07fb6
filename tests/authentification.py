"""Sign-in helpers of the tests: a session strongly authenticated (as after Pro Santé Connect or password +
second factor), which the screens showing NIR/INS require (`rights.AUTHENTIFICATION_FORTE`)."""

from socle.comptes import authentification as authn


def marquer_forte(client, moyen: str = "totp") -> None:
    """Mark the signed-in session of this Django test client as strongly authenticated."""
    session = client.session
    session[authn.CLE_MOYEN] = moyen
    session.save()


def connecter_fort(client, user, moyen: str = "totp"):
    client.force_login(user)
    marquer_forte(client, moyen)
    return client


def avec_second_facteur(user):
    """Give this account a confirmed TOTP device, so that a browser sign-in (`tests.browser.se_connecter`) goes
    through password + second factor and reaches the screens showing NIR/INS or documents."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.get_or_create(user=user, name="Téléphone", defaults={"confirmed": True})
    return user
