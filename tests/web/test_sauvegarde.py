"""`socle backup` / `socle restore`: an installation with an usager, a certificate whose password is encrypted and a
deposited file is backed up, wiped (data, files, and a new secrets key as on a new machine), restored; the data
is back and the certificate password decrypts again. On SQLite (sqlite3 backup API) and, in the PostgreSQL pass,
with pg_dump/pg_restore; `--format json` (dumpdata/loaddata) on both."""

import json
import stat
import tarfile

import pytest
from cryptography.fernet import Fernet
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from socle.audit.models import EvenementAudit
from socle.prerequis import certificats
from socle.prerequis.models import Certificat
from socle.usagers import services
from socle.usagers.models import Usager
from socle.web.sauvegarde import SauvegardeErreur, restaurer, sauvegarder
from tests.organisations.factories import EtablissementFactory
from tests.usagers.factories import MDP_CERTIFICAT, TRAITS_ALICE, deposer_certificat_insi

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("format_base", ["natif", "json"])
def test_sauvegarde_effacement_restauration(tmp_path, settings, monkeypatch, format_base):
    et = EtablissementFactory()
    cert = deposer_certificat_insi(et.organisme, "INSI-AUTO")
    usager = services.creer_usager(et.organisme, et, dict(TRAITS_ALICE))
    donnees, cle = tmp_path / "donnees", settings.SOCLE_SECRETS_KEY
    donnees.mkdir(mode=0o700)
    (donnees / ".secrets_key").write_text(cle)
    settings.DATA_DIR, settings.MEDIA_ROOT = donnees, donnees / "media"
    default_storage.save("prerequis/preuves/contrat.pdf", ContentFile(b"%PDF-1.4 contrat signe"))
    monkeypatch.delenv("SOCLE_SECRETS_KEY", raising=False)
    monkeypatch.delenv("SOCLE_SECRETS_KEY_FILE", raising=False)

    archive = tmp_path / "socle.tar.gz"
    call_command("backup", "--out", str(archive), "--format", format_base)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # personal data and the key of the secrets
    with tarfile.open(archive) as tar:
        noms = set(tar.getnames())
        manifeste = json.loads(tar.extractfile("manifeste.json").read())
    attendu = {"sqlite": "sqlite", "postgresql": "pg_dump"}[connection.vendor] if format_base == "natif" else "json"
    assert manifeste["format_base"] == attendu
    assert {"manifeste.json", "cles/SOCLE_SECRETS_KEY", "media/prerequis/preuves/contrat.pdf"} <= noms

    # a restore never overwrites an installation holding data by mistake
    with pytest.raises(CommandError, match="Installation non vide.*--force"):
        call_command("restore", str(archive))

    # wipe: data, deposited files, and another secrets key (a new machine)
    call_command("flush", interactive=False, verbosity=0)
    default_storage.delete("prerequis/preuves/contrat.pdf")
    autre = Fernet.generate_key().decode()
    settings.SOCLE_SECRETS_KEY = autre
    (donnees / ".secrets_key").write_text(autre)
    assert not Usager.objects.exists() and not Certificat.objects.exists()

    # a key imposed by the environment that is not the archive's: refused before anything changes
    monkeypatch.setenv("SOCLE_SECRETS_KEY", autre)
    with pytest.raises(SauvegardeErreur, match="n'est pas celle de la sauvegarde"):
        restaurer(archive)
    assert not Usager.objects.exists()
    monkeypatch.delenv("SOCLE_SECRETS_KEY")

    call_command("restore", str(archive))
    u = Usager.objects.get(pk=usager.pk)
    assert (u.nom_naissance, u.date_naissance) == (usager.nom_naissance, usager.date_naissance)
    restaure = Certificat.objects.get(pk=cert.pk)
    assert bytes(restaure.contenu) == bytes(cert.contenu)
    assert settings.SOCLE_SECRETS_KEY == cle and (donnees / ".secrets_key").read_text() == cle
    assert stat.S_IMODE((donnees / ".secrets_key").stat().st_mode) == 0o600
    assert certificats.dechiffrer(restaure.mot_de_passe_chiffre) == MDP_CERTIFICAT
    with default_storage.open("prerequis/preuves/contrat.pdf") as f:
        assert f.read() == b"%PDF-1.4 contrat signe"
    assert EvenementAudit.objects.filter(objet_type="installation", objet_id="restauration").count() == 1
    assert EvenementAudit.objects.filter(objet_type="installation", objet_id="sauvegarde").count() == 1

    # --force overwrites an installation that changed since
    Usager.objects.filter(pk=usager.pk).update(nom_naissance="MODIFIE")
    call_command("restore", str(archive), "--force")
    assert Usager.objects.get(pk=usager.pk).nom_naissance == usager.nom_naissance


def test_archive_etrangere_refusee(tmp_path):
    faux = tmp_path / "faux.tar.gz"
    with tarfile.open(faux, "w:gz") as tar:
        (tmp_path / "x.txt").write_text("rien")
        tar.add(tmp_path / "x.txt", arcname="x.txt")
    with pytest.raises(SauvegardeErreur, match="pas une sauvegarde de Socle"):
        restaurer(faux)
    with pytest.raises(SauvegardeErreur, match="introuvable"):
        restaurer(tmp_path / "absente.tar.gz")
    with pytest.raises(SauvegardeErreur, match="n'existe pas"):
        sauvegarder(tmp_path / "absent" / "s.tar.gz")
