from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    if not SHARED.exists():
        pytest.fail(f"../shared/data introuvable ({SHARED}) : les tests lisent les données de référence officielles")
    return SHARED


@pytest.fixture
def client_de(client):
    """Log a user in on the Django test client: client_de(user) -> client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
