"""Database-level guard: the access log refuses UPDATE even from raw SQL run by the application."""

from django.db import migrations

SQLITE = """
CREATE TRIGGER IF NOT EXISTS audit_evenement_no_update BEFORE UPDATE ON audit_evenementaudit
BEGIN SELECT RAISE(ABORT, 'journal d''accès en ajout seul'); END;
"""
POSTGRES = """
CREATE OR REPLACE FUNCTION audit_evenement_no_update() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'journal d''accès en ajout seul'; END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_evenement_no_update ON audit_evenementaudit;
CREATE TRIGGER audit_evenement_no_update BEFORE UPDATE ON audit_evenementaudit
FOR EACH ROW EXECUTE FUNCTION audit_evenement_no_update();
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_evenement_no_update")
    elif vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_evenement_no_update ON audit_evenementaudit")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
