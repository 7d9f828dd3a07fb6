"""The account ↔ staff-record link is `personnel.Professionnel.compte` (also set by Pro Santé Connect): copy the
links this app kept in `CompteProfessionnel`, then drop it."""

from django.db import migrations


def copier_liens(apps, schema_editor):
    CompteProfessionnel = apps.get_model("documents", "CompteProfessionnel")
    Professionnel = apps.get_model("personnel", "Professionnel")
    for lien in CompteProfessionnel.objects.all():
        Professionnel.objects.filter(pk=lien.professionnel_id, compte__isnull=True).update(compte_id=lien.utilisateur_id)


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0003_envoi_dmp"),
        ("personnel", "0004_professionnel_compte_psc"),
    ]

    operations = [
        migrations.RunPython(copier_liens, migrations.RunPython.noop),
        migrations.DeleteModel(name="CompteProfessionnel"),
    ]
