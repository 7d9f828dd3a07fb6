"""Authentication backend of Socle's password sign-in."""

from django.contrib.auth.backends import AllowAllUsersModelBackend


class CompteBackend(AllowAllUsersModelBackend):
    """Checks the password of any account, deactivated or not, so that the sign-in form can say *why* an account is
    refused (`services.refus_connexion`) rather than "wrong password"; a deactivated account's session, however,
    is never accepted (`get_user`), so deactivating someone ends her open sessions."""

    def get_user(self, user_id):
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None
