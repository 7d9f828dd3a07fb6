"""The organisation concerned by each event, the sign-in lock-out action, and a database guard against DELETE
(0003 refused UPDATE only): the access log refuses to lose a line even through raw SQL."""

import django.db.models.deletion
from django.db import migrations, models

SQLITE = """
CREATE TRIGGER IF NOT EXISTS audit_evenement_no_delete BEFORE DELETE ON audit_evenementaudit
BEGIN SELECT RAISE(ABORT, 'journal d''accès en ajout seul : suppression refusée'); END;
"""
POSTGRES = """
CREATE OR REPLACE FUNCTION audit_evenement_no_delete() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'journal d''accès en ajout seul : suppression refusée'; END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_evenement_no_delete ON audit_evenementaudit;
CREATE TRIGGER audit_evenement_no_delete BEFORE DELETE ON audit_evenementaudit
FOR EACH ROW EXECUTE FUNCTION audit_evenement_no_delete();
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS audit_evenement_no_delete"
POSTGRES_DROP = "DROP TRIGGER IF EXISTS audit_evenement_no_delete ON audit_evenementaudit"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_append_only_trigger"),
        ("organisations", "0002_import_finess"),
    ]
    operations = [
        migrations.AddField(
            model_name="evenementaudit",
            name="organisme",
            field=models.ForeignKey(blank=True, db_constraint=False, null=True,
                                    on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                    to="organisations.organismegestionnaire", verbose_name="organisme concerné"),
        ),
        migrations.AlterField(
            model_name="evenementaudit",
            name="action",
            field=models.CharField(choices=[("lecture", "Lecture"), ("creation", "Création"),
                                            ("modification", "Modification"), ("suppression", "Suppression"),
                                            ("export", "Export"), ("import", "Import"), ("connexion", "Connexion"),
                                            ("echec_connexion", "Échec de connexion"),
                                            ("deconnexion", "Déconnexion"),
                                            ("appel_service", "Appel à un service national"),
                                            ("blocage_connexion", "Connexion bloquée (trop d'échecs)")],
                                   db_index=True, max_length=20, verbose_name="action"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
