import pytest


@pytest.fixture
def client_de(client):
    """Log a user in on the Django test client with a strongly authenticated session (as after Pro Santé Connect
    or password + second factor, which NIR/INS screens require): client_de(user) -> client."""
    from tests.authentification import connecter_fort

    def _login(user):
        return connecter_fort(client, user)

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


@pytest.fixture(autouse=True, scope="session")
def journal_vide_entre_tests_transactionnels():
    """Transactional tests (live server, worker) empty every table with DELETE between tests (SQLite flush). The
    access log's DELETE trigger refuses that, as it must in production: for the test flush only, the trigger is
    dropped before the DELETEs and created again after them."""
    import importlib

    from django.db import connection

    if connection.vendor != "sqlite":  # PostgreSQL empties tables with TRUNCATE, which the trigger lets through
        yield
        return
    from django.db.backends.sqlite3.base import DatabaseWrapper

    DatabaseOperations = DatabaseWrapper.ops_class

    migration = importlib.import_module("socle.audit.migrations.0004_organisme_blocage_suppression")
    origine = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        sql = origine(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if "audit_evenementaudit" in tables:
            sql = [migration.SQLITE_DROP, *sql, migration.SQLITE.strip()]
        return sql

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = origine


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgresql` (several processes on one database) belong to the PostgreSQL pass of
    scripts/test.sh, tests marked `sqlite` (SQLite's own locking) to the SQLite passes: each is deselected on
    the other database (reported as such), never skipped."""
    from django.conf import settings

    autre = "sqlite" if settings.DATABASES["default"]["ENGINE"].endswith("postgresql") else "postgresql"
    gardes = [i for i in items if i.get_closest_marker(autre) is None]
    if len(gardes) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i.get_closest_marker(autre) is not None])
        items[:] = gardes
