"""A covering index on the identity history, PostgreSQL only: the dashboards replay each person's events in time
order (weekly progression) with an index-only scan instead of reading and sorting the table. SQLite stores no
INCLUDE column, so the model does not declare it (Django would warn on SQLite); nothing to do there."""

from django.db import migrations

CREER = ("CREATE INDEX IF NOT EXISTS historique_usager_le ON usagers_historiqueidentite (usager_id, le, id) "
         "INCLUDE (nouveau_statut)")
SUPPRIMER = "DROP INDEX IF EXISTS historique_usager_le"


def creer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREER)


def supprimer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SUPPRIMER)


class Migration(migrations.Migration):
    dependencies = [("usagers", "0005_echanges_dui")]

    operations = [migrations.RunPython(creer, supprimer)]
