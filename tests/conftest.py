import pytest


@pytest.fixture
def client_de(client):
    """Log a user in on the Django test client: client_de(user) -> client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


class VariableInconnue(str):
    """`string_if_invalid` for the tests: a template that prints an undefined variable fails its test."""

    def __mod__(self, nom):
        raise AssertionError(f"Variable de gabarit inconnue : {nom}")


@pytest.fixture(autouse=True, scope="session")
def gabarits_stricts():
    from django.template import engines

    moteur = engines["django"].engine
    ancien, moteur.string_if_invalid = moteur.string_if_invalid, VariableInconnue("%s")
    yield
    moteur.string_if_invalid = ancien
