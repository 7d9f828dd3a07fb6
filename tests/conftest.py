from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture
def shared_data() -> Path:
    """../shared/data beside the repository (or SOCLE_SHARED_DIR), the same folder the settings use."""
    shared = settings.SHARED_DIR / "data"
    if not shared.exists():
        pytest.fail(f"../shared/data introuvable ({shared}) : les tests lisent les données de référence officielles")
    return shared


@pytest.fixture
def client_de(client):
    """Log a user in on the Django test client: client_de(user) -> client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
