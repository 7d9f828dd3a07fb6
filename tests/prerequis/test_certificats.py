"""Certificates generated here with `cryptography`: reading PEM/DER/PKCS#12, usage, INSi readiness, encrypted
password, expiry alerts, and the `socle certs inspect` command."""

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from socle.comptes.models import Fonction
from socle.connecteurs.commun.pki import cle_en_pem, en_der, en_p12, en_pem, fabriquer
from socle.prerequis import certificats, services
from socle.prerequis.models import Certificat, EtatEtape
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import OrganismeFactory

MDP = "Mot-de-passe-Tr3s-Secret!"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def auth():
    return fabriquer("INSI-AUTO", usage="auth", serial=0xABC123, organisation="ORGANISME TEST")


def test_pem_der_p12_read_the_same_fields(auth):
    cert, key = auth
    infos = [certificats.lire(en_pem(cert)), certificats.lire(en_der(cert)), certificats.lire(en_p12(cert, key, MDP), MDP)]
    assert [i.format for i in infos] == ["pem", "der", "pkcs12"]
    for i in infos:
        assert i.cn == "INSI-AUTO"
        assert i.numero_serie == "ABC123"
        assert "CN=INSI-AUTO" in i.sujet and "O=ORGANISME TEST" in i.sujet
        assert "CN=AC DÉMO NON OFFICIELLE" in i.emetteur
        assert i.not_before == cert.not_valid_before_utc and i.not_after == cert.not_valid_after_utc
        assert i.key_usages == ["digital_signature"]
        assert i.extended_key_usages == ["clientAuth"]
        assert i.usage == "authentification"
        assert i.insi_pret()
    assert infos[2].a_cle_privee and not infos[1].a_cle_privee


def test_usage_recognition_and_insi_ready_cases():
    sign, _ = fabriquer("SIGN-ORG", usage="sign")
    info = certificats.lire(en_pem(sign))
    assert info.usage == "signature" and "content_commitment" in info.key_usages and not info.insi_pret()
    autre, _ = fabriquer("INSI-AUTO", usage="none")
    assert certificats.lire(en_pem(autre)).usage == "other"
    assert not certificats.lire(en_pem(autre)).insi_pret()  # CN right but no clientAuth
    mauvais_cn, _ = fabriquer("SERVEUR-DUI", usage="auth")
    assert certificats.lire(en_pem(mauvais_cn)).usage == "authentification"
    assert not certificats.lire(en_pem(mauvais_cn)).insi_pret()
    manu, _ = fabriquer("INSI-MANU", usage="auth")
    assert certificats.lire(en_pem(manu)).insi_pret()
    expire, _ = fabriquer("INSI-AUTO", usage="auth", debut=datetime.now(UTC) - timedelta(days=400), jours=365)
    assert not certificats.lire(en_pem(expire)).insi_pret()
    futur, _ = fabriquer("INSI-AUTO", usage="auth", debut=datetime.now(UTC) + timedelta(days=3))
    assert not certificats.lire(en_pem(futur)).insi_pret()


def test_bad_inputs_give_french_errors(auth):
    cert, key = auth
    p12 = en_p12(cert, key, MDP)
    with pytest.raises(certificats.CertificatError, match="Mot de passe du fichier PKCS#12 incorrect"):
        certificats.lire(p12, "mauvais")
    with pytest.raises(certificats.CertificatError, match="protégé"):
        certificats.lire(p12)
    with pytest.raises(certificats.CertificatError, match="corrompu"):
        certificats.lire(b"\x00\x01pas un certificat" * 10)
    with pytest.raises(certificats.CertificatError, match="PEM"):
        certificats.lire(en_pem(cert)[:200])
    with pytest.raises(certificats.CertificatError, match="vide"):
        certificats.lire(b"")


@pytest.mark.django_db
def test_password_encrypted_never_in_clear_and_shown_only_to_admin_technique(auth):
    cert, key = auth
    og = OrganismeFactory()
    c = services.enregistrer_certificat(og, en_p12(cert, key, MDP), "insi.p12", MDP, "si@exemple.invalid")
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM prerequis_certificat WHERE id = %s", [c.pk])
        row = cur.fetchone()
    brut = " ".join(bytes(v).decode("latin-1") if isinstance(v, (bytes, memoryview)) else str(v) for v in row)
    assert MDP not in brut
    assert c.mot_de_passe_chiffre and MDP not in c.mot_de_passe_chiffre
    admin = utilisateur_avec(Fonction.ADMIN_TECHNIQUE, organisme=og)
    assert services.mot_de_passe_certificat(admin, c) == MDP
    rl = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og)
    with pytest.raises(PermissionError):
        services.mot_de_passe_certificat(rl, c)
    autre_og_admin = utilisateur_avec(Fonction.ADMIN_TECHNIQUE, organisme=OrganismeFactory())
    with pytest.raises(PermissionError):
        services.mot_de_passe_certificat(autre_og_admin, c)


@pytest.mark.django_db
def test_certificat_insi_pret_hook(auth):
    og = OrganismeFactory()
    ok, msg = services.certificat_insi_pret(og)
    assert not ok and "Aucun certificat" in msg
    expire, _ = fabriquer("INSI-AUTO", debut=datetime.now(UTC) - timedelta(days=800), jours=365)
    services.enregistrer_certificat(og, en_pem(expire), "vieux.pem")
    ok, msg = services.certificat_insi_pret(og)
    assert not ok and "pas valide" in msg
    sign, _ = fabriquer("INSI-AUTO", usage="sign")
    services.enregistrer_certificat(og, en_pem(sign), "sign.pem")
    assert not services.certificat_insi_pret(og)[0]
    services.enregistrer_certificat(og, en_der(auth[0]), "insi.der")
    ok, msg = services.certificat_insi_pret(og)
    assert not ok and "auto-homologation INS" in msg  # a ready certificate, but no homologation yet
    EtatEtape.objects.create(organisme=og, etape="homologation", statut="fait", date_fait=date(2026, 11, 2))
    ok, msg = services.certificat_insi_pret(og)
    assert ok and "ABC123" in msg
    assert not services.certificat_insi_pret(OrganismeFactory())[0]  # another OG's certificate does not count


@pytest.mark.django_db
def test_expiry_alerts_fire_at_90_30_7_days():
    og = OrganismeFactory()
    maintenant = datetime.now(UTC)
    for restant in (200, 85, 25, 5, -2):
        c, _ = fabriquer(f"CERT-{restant}", debut=maintenant - timedelta(days=300), jours=300 + restant)
        services.enregistrer_certificat(og, en_pem(c), f"{restant}.pem")
    alertes = {a.certificat.cn: a.seuil for a in services.alertes_certificats([og])}
    assert alertes == {"CERT-85": 90, "CERT-25": 30, "CERT-5": 7, "CERT--2": 0}


def _inspect(*args, env=None):
    return subprocess.run([sys.executable, "-m", "socle.cli", "certs", "inspect", *args], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, **(env or {})}, timeout=60)


def test_certs_inspect_outputs_json_and_exit_codes(auth, tmp_path, capsys, monkeypatch):
    cert, key = auth
    (tmp_path / "c.pem").write_bytes(en_pem(cert))
    (tmp_path / "c.der").write_bytes(en_der(cert))
    (tmp_path / "c.p12").write_bytes(en_p12(cert, key, MDP))
    (tmp_path / "corrompu.p12").write_bytes(b"\x30\x82\x01garbage" * 30)
    sign, _ = fabriquer("INSI-AUTO", usage="sign")
    (tmp_path / "s.pem").write_bytes(en_pem(sign))
    monkeypatch.setenv("CERT_MDP", MDP)
    monkeypatch.setenv("MAUVAIS_MDP", "faux")
    for nom, extra in (("c.pem", []), ("c.der", []), ("c.p12", ["--password-env", "CERT_MDP"])):
        call_command("certs", "inspect", str(tmp_path / nom), *extra)
        out = json.loads(capsys.readouterr().out)
        assert out["subject"].endswith("CN=INSI-AUTO") or "CN=INSI-AUTO" in out["subject"]
        assert out["serial"] == "ABC123" and out["usage"] == "authentification" and out["insi_ready"] is True
        assert out["extended_key_usages"] == ["clientAuth"] and out["key_usages"] == ["digital_signature"]
        assert datetime.fromisoformat(out["not_after"]) == cert.not_valid_after_utc
        assert set(out) >= {"issuer", "not_before"}
    call_command("certs", "inspect", str(tmp_path / "s.pem"))
    out = json.loads(capsys.readouterr().out)
    assert out["usage"] == "signature" and out["insi_ready"] is False
    for nom, extra, attendu in (("c.p12", ["--password-env", "MAUVAIS_MDP"], "Mot de passe"),
                                ("corrompu.p12", [], "corrompu"), ("absent.pem", [], "introuvable"),
                                ("c.p12", ["--password-env", "VAR_ABSENTE"], "VAR_ABSENTE")):
        with pytest.raises(SystemExit) as exc:
            call_command("certs", "inspect", str(tmp_path / nom), *extra)
        assert exc.value.code == 1
        assert attendu in capsys.readouterr().err


def test_socle_cli_certs_inspect_end_to_end(auth, tmp_path):
    cert, key = auth
    (tmp_path / "c.p12").write_bytes(en_p12(cert, key, MDP))
    r = _inspect(str(tmp_path / "c.p12"), "--password-env", "P", env={"P": MDP})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["insi_ready"] is True
    r = _inspect(str(tmp_path / "c.p12"), "--password-env", "P", env={"P": "faux"})
    assert r.returncode == 1 and "Erreur" in r.stderr and "incorrect" in r.stderr
    assert r.stdout == ""


@pytest.mark.django_db
def test_certificate_row_keeps_no_clear_password_for_pem():
    og = OrganismeFactory()
    c, _ = fabriquer("INSI-AUTO")
    cert = services.enregistrer_certificat(og, en_pem(c), "a.pem", "ignored-password")
    assert Certificat.objects.get(pk=cert.pk).mot_de_passe_chiffre == ""


@pytest.mark.django_db
def test_certificat_pour_gives_the_material_of_the_use_to_the_connectors(auth):
    """certificat_pour(organisme, usage): the deposited certificate whose CN is the use, valid today, with its
    private key, password decrypted — for the INSi connector, never displayed."""
    og = OrganismeFactory()
    with pytest.raises(services.HomologationRequise, match="auto-homologation"):
        services.certificat_pour(og, "INSI-AUTO")
    EtatEtape.objects.create(organisme=og, etape="homologation", statut="fait", date_fait=date(2026, 11, 2))
    assert services.certificat_pour(og, "INSI-AUTO") is None
    cert, key = auth
    p12 = en_p12(cert, key, MDP)
    services.enregistrer_certificat(og, p12, "insi.p12", MDP)
    materiel = services.certificat_pour(og, "INSI-AUTO")
    assert materiel.contenu == p12 and materiel.mot_de_passe == MDP
    assert "INSI-AUTO" in materiel.libelle and "ABC123" in materiel.libelle and MDP not in repr(materiel)
    assert services.certificat_pour(og, "INSI-MANU") is None  # the CN tells the use
    autre = OrganismeFactory()
    EtatEtape.objects.create(organisme=autre, etape="homologation", statut="fait", date_fait=date(2026, 11, 2))
    assert services.certificat_pour(autre, "INSI-AUTO") is None  # another OG's certificate
    with pytest.raises(ValueError):
        services.certificat_pour(og, "DMP-INCONNU")
    # INSI-MANU: a PEM without its key cannot authenticate; expired ones are skipped; the longest-lived wins
    manu, manu_cle = fabriquer("INSI-MANU", serial=0x111)
    services.enregistrer_certificat(og, en_pem(manu), "manu.pem")
    assert services.certificat_pour(og, "INSI-MANU") is None
    vieux, vieux_cle = fabriquer("INSI-MANU", serial=0x222, debut=datetime.now(UTC) - timedelta(days=800), jours=365)
    services.enregistrer_certificat(og, en_p12(vieux, vieux_cle, MDP), "vieux.p12", MDP)
    assert services.certificat_pour(og, "INSI-MANU") is None
    court, court_cle = fabriquer("INSI-MANU", serial=0x333, jours=100)
    services.enregistrer_certificat(og, en_pem(court) + cle_en_pem(court_cle, MDP), "court.pem", MDP)
    long_, long_cle = fabriquer("INSI-MANU", serial=0x444, jours=700)
    services.enregistrer_certificat(og, en_pem(long_) + cle_en_pem(long_cle), "long.pem")
    assert "444" in services.certificat_pour(og, "INSI-MANU").libelle
    Certificat.objects.filter(organisme=og, numero_serie="444").delete()
    pem = services.certificat_pour(og, "INSI-MANU")  # PEM with an encrypted key: its password was kept
    assert "333" in pem.libelle and pem.mot_de_passe == MDP
