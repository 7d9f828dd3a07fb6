import pytest


@pytest.fixture
def client_de(client):
    """Log a user in on the Django test client: client_de(user) -> client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
