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


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgresql` (several processes on one database) belong to the PostgreSQL pass of
    scripts/test.sh: on SQLite they are deselected (reported as such), never skipped."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    gardes = [i for i in items if i.get_closest_marker("postgresql") is None]
    if len(gardes) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i.get_closest_marker("postgresql") is not None])
        items[:] = gardes
