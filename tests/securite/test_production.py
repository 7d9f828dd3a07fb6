"""Production settings (SOCLE_PRODUCTION=true) and the HTTP hardening of every mode.

The production settings are read in child processes with a clean environment (settings are evaluated once per
process): start-up is refused with a French message for a missing, generated or weak SECRET_KEY, an empty or
wildcard ALLOWED_HOSTS, DEBUG; `socle check --deploy` is clean with a complete configuration; gunicorn serves
Socle behind a (simulated) reverse proxy with Secure cookies, HSTS, CSP and no-store, and the audit journal gets
the client's address. In this process (the demo/test mode) the same headers are checked, cookies without Secure.
"""

import http.client
import os
import re
import secrets
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse

from socle.comptes.models import Fonction
from socle.web.middleware import AdresseClientMiddleware
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory

RACINE = Path(__file__).resolve().parents[2]
SOCLE = RACINE / "socle"
HOTE = "socle.exemple.fr"


def _env_propre(dossier: Path, **variables: str) -> dict[str, str]:
    """The environment of a fresh installation in `dossier`: none of this process's Socle settings, nor pytest's."""
    gardees = {k: v for k, v in os.environ.items() if not k.startswith(
        ("SOCLE_", "DJANGO_", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DEBUG", "PYTEST"))}
    return {**gardees, "PYTHONPATH": str(RACINE), "SOCLE_ENV_FILE": str(dossier / "absent.env"),
            "SOCLE_DATA_DIR": str(dossier / "donnees"), "DJANGO_SETTINGS_MODULE": "socle.settings", **variables}


def _production(dossier: Path, **variables: str) -> dict[str, str]:
    cle = dossier / "secret_key"
    cle.write_text(secrets.token_urlsafe(50) + "\n")  # as `echo` writes it
    url = dossier / "database_url"
    url.write_text(f"sqlite:///{dossier / 'donnees' / 'socle.sqlite3'}\n")
    return _env_propre(dossier, SOCLE_PRODUCTION="true", SECRET_KEY_FILE=str(cle), DATABASE_URL_FILE=str(url),
                       ALLOWED_HOSTS=HOTE,
                       SOCLE_SMTP_HOST="smtp.exemple.fr", SOCLE_SMTP_PORT="587", SOCLE_SMTP_TLS="true", **variables)


def _socle(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "socle.cli", *args], cwd=RACINE, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def _charger_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import socle.settings"], cwd=RACINE, env=env, capture_output=True,
                          text=True, timeout=60, check=False)


# --------------------------------------------------------------------------- production mode


def test_check_deploy_est_propre_en_production(tmp_path):
    env = _production(tmp_path)
    res = _socle("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "no issues (0 silenced)" in res.stdout + res.stderr
    # the key came from SECRET_KEY_FILE: none was generated in the data folder
    assert not (tmp_path / "donnees" / ".secret_key").exists()


def test_check_deploy_signale_une_production_incomplete(tmp_path):
    """Without an SMTP relay the reminders would stay in files: `check --deploy` says so."""
    env = _production(tmp_path)
    del env["SOCLE_SMTP_HOST"]
    res = _socle("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert res.returncode != 0 and "mail.E001" in res.stdout + res.stderr


@pytest.mark.parametrize(("variables", "motif"), [
    ({"SECRET_KEY_FILE": "", "SECRET_KEY": ""}, "SECRET_KEY absente"),
    ({"SECRET_KEY_FILE": "", "SECRET_KEY": "django-insecure-" + "x1y2z3" * 10}, "SECRET_KEY trop faible"),
    ({"SECRET_KEY_FILE": "", "SECRET_KEY": "court"}, "SECRET_KEY trop faible"),
    ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS vide"),
    ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS=* refusé"),
    ({"DEBUG": "true"}, "DEBUG=true interdit en production"),
    ({"SOCLE_SECRETS_KEY": "pas-une-cle-fernet"}, "SOCLE_SECRETS_KEY n'est pas une clé Fernet"),
])
def test_demarrage_refuse_en_production(tmp_path, variables, motif):
    env = {k: v for k, v in {**_production(tmp_path), **variables}.items() if v != ""}
    res = _charger_settings(env)
    assert res.returncode != 0
    assert "ImproperlyConfigured" in res.stderr and "Socle refuse de démarrer en mode production" in res.stderr
    assert motif in res.stderr, res.stderr
    assert not (tmp_path / "donnees" / ".secret_key").exists()  # nothing generated in its place


def test_la_commande_refuse_de_demarrer_sans_secret_key_ni_hotes(tmp_path):
    env = _env_propre(tmp_path, SOCLE_PRODUCTION="true")
    res = _socle("check", env=env)
    assert res.returncode != 0
    assert "SECRET_KEY absente" in res.stderr and "ALLOWED_HOSTS vide" in res.stderr


def test_hors_production_la_demo_demarre_sans_configuration(tmp_path):
    """Default mode: nothing to configure, the generated key is accepted (demo, tests, local trial)."""
    res = _charger_settings(_env_propre(tmp_path))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "donnees" / ".secret_key").exists()


def test_la_demo_est_refusee_en_production(settings):
    settings.SOCLE_PRODUCTION = True
    with pytest.raises(CommandError, match="refusée en mode production"):
        call_command("demo", "--no-serve")


# --------------------------------------------------------------------------- file permissions


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_donnees_creees_0600_0700_et_resserrees(tmp_path):
    res = _charger_settings(_env_propre(tmp_path))
    assert res.returncode == 0, res.stderr
    donnees = tmp_path / "donnees"
    assert _mode(donnees) == 0o700 and _mode(donnees / "media") == 0o700
    for nom in ("socle.sqlite3", ".secret_key", ".secrets_key", ".insi_instance"):
        assert _mode(donnees / nom) == 0o600, nom
    # an installation of an older version: database 0644, folders 0755 — tightened at start-up
    for p in (donnees, donnees / "media"):
        p.chmod(0o755)
    (donnees / "socle.sqlite3").chmod(0o644)
    assert _charger_settings(_env_propre(tmp_path)).returncode == 0
    assert _mode(donnees) == 0o700 and _mode(donnees / "media") == 0o700
    assert _mode(donnees / "socle.sqlite3") == 0o600


def test_fichiers_deposes_0600(settings):
    assert settings.FILE_UPLOAD_PERMISSIONS == 0o600 and settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS == 0o700


# --------------------------------------------------------------------------- HTTP headers (this process)


def _entetes_securite(r) -> None:
    assert "no-store" in r["Cache-Control"]
    csp = r["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"
    assert r["X-Frame-Options"] == "DENY"
    assert r["Referrer-Policy"] == "same-origin"
    assert r["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_pages_et_telechargements_authentifies_jamais_en_cache(client_de):
    et = EtablissementFactory()
    client = client_de(utilisateur_avec(Fonction.GESTIONNAIRE_RPPS, organisme=et.organisme))
    page = client.get(reverse("web:accueil"))
    assert page.status_code == 200
    _entetes_securite(page)
    export = client.get(reverse("personnel:gabarit_import"))
    assert export.status_code == 200 and export["Content-Disposition"].startswith("attachment")
    _entetes_securite(export)
    assert "private" in export["Cache-Control"]


@pytest.mark.django_db
def test_cookies_httponly_samesite_sans_secure_en_demo(client, django_user_model):
    """Demo / local trial over plain HTTP: HttpOnly and SameSite=Lax, but not Secure (or the browser would drop
    them on http://127.0.0.1:8000 and nobody could sign in)."""
    essai = django_user_model.objects.create_user("essai", password="Mot-de-passe-essai-1")
    essai.habilitations.create(fonction=Fonction.ADMISSION, etablissement=EtablissementFactory())  # may sign in
    page = client.get(reverse("comptes:login"))
    csrf = page.cookies["csrftoken"]
    assert csrf["httponly"] and csrf["samesite"] == "Lax" and not csrf["secure"]
    client = client.__class__(enforce_csrf_checks=True)
    page = client.get(reverse("comptes:login"))
    jeton = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    r = client.post(reverse("comptes:login"), {"username": "essai", "password": "Mot-de-passe-essai-1",
                                               "csrfmiddlewaretoken": jeton})
    assert r.status_code == 302
    session = r.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax" and not session["secure"]


def test_aucun_script_ni_gestionnaire_en_ligne_dans_les_gabarits():
    """The CSP refuses inline scripts: every template loads its scripts from static files."""
    fautes = []
    for gabarit in sorted(SOCLE.rglob("templates/**/*.html")):
        texte = gabarit.read_text(encoding="utf-8")
        for balise in re.findall(r"<script\b[^>]*>", texte, flags=re.I):
            if "src=" not in balise:
                fautes.append(f"{gabarit.relative_to(RACINE)} : script en ligne {balise}")
        fautes += [f"{gabarit.relative_to(RACINE)} : {m}" for m in
                   re.findall(r"\s(on[a-z]+\s*=|href=\"javascript:[^\"]*\")", texte, flags=re.I)]
        fautes += [f"{gabarit.relative_to(RACINE)} : élément <style>" for _ in re.findall(r"<style\b", texte)]
    assert not fautes, "\n".join(fautes)


def test_adresse_du_client_derriere_le_proxy(settings):
    settings.SOCLE_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    vu = {}

    def vue(request):
        vu["ip"] = request.META["REMOTE_ADDR"]

    mw = AdresseClientMiddleware(vue)
    rf = RequestFactory()
    # nginx appends the address it saw; what the client wrote itself (left) is ignored
    mw(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"))
    assert vu["ip"] == "203.0.113.9"
    mw(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.1.2.3"))  # two proxies
    assert vu["ip"] == "203.0.113.9"
    mw(rf.get("/", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="203.0.113.9"))  # not from a proxy
    assert vu["ip"] == "198.51.100.4"
    mw(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="pas-une-adresse"))
    assert vu["ip"] == "127.0.0.1"
    settings.SOCLE_PROXIES = []
    mw(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"))
    assert vu["ip"] == "127.0.0.1"


# --------------------------------------------------------------------------- gunicorn, production mode


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _requete(port: int, methode: str, chemin: str, entetes: dict[str, str], corps: str = ""):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request(methode, chemin, body=corps.encode() or None, headers=entetes)
        r = c.getresponse()
        return r.status, r.headers, r.read()
    finally:
        c.close()


def test_gunicorn_en_production_derriere_le_proxy(tmp_path):
    env = _production(tmp_path)
    res = _socle("migrate", "--no-input", env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    port = _port_libre()
    serveur = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", str(RACINE / "deploy" / "gunicorn.conf.py"),
                                "--bind", f"127.0.0.1:{port}", "--workers", "1", "socle.wsgi:application"],
                               cwd=RACINE, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        proxy = {"Host": HOTE, "X-Forwarded-Proto": "https", "X-Forwarded-For": "6.6.6.6, 203.0.113.7"}
        limite = time.monotonic() + 60
        while True:
            try:
                statut, entetes, corps = _requete(port, "GET", "/comptes/connexion/", proxy)
                break
            except OSError:
                assert serveur.poll() is None and time.monotonic() < limite, serveur.communicate()[0]
                time.sleep(0.2)
        assert statut == 200
        assert entetes["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert "script-src 'self'" in entetes["Content-Security-Policy"] and "no-store" in entetes["Cache-Control"]
        cookie = entetes["Set-Cookie"]
        assert cookie.startswith("__Host-csrftoken=")
        assert all(a in cookie for a in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"))
        # plain http reaching Django is sent to https; an unknown host is refused
        statut, entetes, _ = _requete(port, "GET", "/comptes/connexion/", {"Host": HOTE})
        assert statut == 301 and entetes["Location"] == f"https://{HOTE}/comptes/connexion/"
        assert _requete(port, "GET", "/comptes/connexion/", {**proxy, "Host": "autre.exemple.fr"})[0] == 400
        # static files by WhiteNoise, htmx included (no CDN)
        for chemin in re.findall(r'(?:href|src)="(/static/[^"]+)"', corps.decode()):
            assert _requete(port, "GET", chemin, proxy)[0] == 200, chemin
        assert re.search(r'src="/static/django_htmx/htmx[^"]*\.js"', corps.decode())
        # a failed sign-in through the proxy: the journal keeps the client's address, not the proxy's
        jeton = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', corps.decode()).group(1)
        csrf = cookie.split(";", 1)[0]
        statut, _, _ = _requete(port, "POST", "/comptes/connexion/", {
            **proxy, "Cookie": csrf, "Origin": f"https://{HOTE}", "Referer": f"https://{HOTE}/comptes/connexion/",
            "Content-Type": "application/x-www-form-urlencoded"},
            f"csrfmiddlewaretoken={jeton}&username=inconnu&password=Mauvais-mot-de-passe-1")
        assert statut == 200  # the form again, with its error
    finally:
        serveur.terminate()
        journal_serveur = serveur.communicate(timeout=30)[0]
    base = sqlite3.connect(tmp_path / "donnees" / "socle.sqlite3")
    try:
        adresses = base.execute("SELECT adresse_ip FROM audit_evenementaudit WHERE action = 'echec_connexion'").fetchall()
    finally:
        base.close()
    assert adresses == [("203.0.113.7",)], journal_serveur
