"""The deployment files of deploy/ hold together. Docker cannot run here: docker-compose.yml is read as YAML and
checked against the Dockerfile and the settings; the systemd units are parsed and, where systemd-analyze exists
(Debian), verified by it on copies pointing at this checkout; the nginx site is checked for what Socle relies on
(forwarded scheme and address, upload size). Every variable the examples set is one Socle or gunicorn reads."""

import configparser
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

RACINE = Path(__file__).resolve().parents[2]
DEPLOY = RACINE / "deploy"
SYSTEMD = DEPLOY / "systemd"
UNITES = ["socle-web.service", "socle-worker@.service", "socle-reminders.service", "socle-reminders.timer"]


def _lues() -> str:
    """Names of the variables read by the settings and by gunicorn.conf.py."""
    texte = (RACINE / "socle" / "settings.py").read_text() + (DEPLOY / "gunicorn.conf.py").read_text()
    return " ".join(re.findall(r"""["']([A-Z][A-Z0-9_]+)["']""", texte))


def _variable_connue(nom: str, lues: str) -> bool:
    base = nom.removesuffix("_FILE")  # FileAwareEnv: VAR_FILE gives VAR
    return re.search(rf"\b{base}\b", lues) is not None


def _unite(nom: str) -> configparser.ConfigParser:
    c = configparser.ConfigParser(interpolation=None, strict=False, delimiters=("=",))  # ExecStart may repeat
    c.optionxform = str  # systemd keys are case-sensitive
    c.read_string((SYSTEMD / nom).read_text())
    return c


def test_unites_systemd():
    web, worker, relances, minuterie = (_unite(n) for n in UNITES)
    for u in (web, worker, relances):
        s = u["Service"]
        assert s["User"] == "socle" and s["EnvironmentFile"] == "/etc/socle/socle.env"
        assert s["UMask"] == "0077" and s["StateDirectory"] == "socle" and s["StateDirectoryMode"] == "0700"
        assert s["NoNewPrivileges"] == "yes" and s["ProtectSystem"] == "strict"
    assert web["Service"]["ExecStart"].split()[:3] == [
        "/opt/socle/.venv/bin/gunicorn", "--config", "/opt/socle/deploy/gunicorn.conf.py"]
    assert web["Service"]["ExecStart"].endswith("socle.wsgi:application")
    assert worker["Service"]["ExecStart"] == "/opt/socle/.venv/bin/socle worker --worker-id %H-%i"
    assert relances["Service"]["Type"] == "oneshot"
    relances_unite = (SYSTEMD / "socle-reminders.service").read_text()
    assert re.findall(r"^ExecStart=(.*)$", relances_unite, flags=re.M) == [
        "/opt/socle/.venv/bin/socle reminders", "/opt/socle/.venv/bin/socle travaux-bloques"]
    assert minuterie["Timer"]["Unit"] == "socle-reminders.service" and minuterie["Timer"]["Persistent"] == "true"
    assert "Install" not in relances and minuterie["Install"]["WantedBy"] == "timers.target"
    for u in (web, worker):
        assert u["Install"]["WantedBy"] == "multi-user.target"


def test_unites_verifiees_par_systemd_analyze(tmp_path):
    """systemd-analyze verify (Debian's systemd) on copies whose paths point at this checkout and environment."""
    analyse = shutil.which("systemd-analyze")
    venv = Path(sys.executable).parent  # this environment's gunicorn and socle
    for nom in UNITES:
        texte = (SYSTEMD / nom).read_text().replace("/opt/socle/.venv/bin", str(venv))
        texte = texte.replace("/opt/socle", str(RACINE)).replace("EnvironmentFile=/", "EnvironmentFile=-/")
        (tmp_path / nom).write_text(texte)
    if analyse is None:  # another kind of machine: the parse above and test_unites_systemd remain
        return
    res = subprocess.run([analyse, "verify", "--man=no", "socle-web.service", "socle-worker@1.service",
                          "socle-reminders.service", "socle-reminders.timer"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120, check=False)
    assert res.returncode == 0 and not res.stderr.strip() and not res.stdout.strip(), res.stdout + res.stderr
    calendrier = subprocess.run([analyse, "calendar", _unite("socle-reminders.timer")["Timer"]["OnCalendar"]],
                                capture_output=True, text=True, timeout=60, check=False)
    assert calendrier.returncode == 0, calendrier.stderr


def test_docker_compose():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "migrate", "web", "worker"}
    lues = _lues()
    for nom in ("migrate", "web", "worker"):
        s = services[nom]
        assert s["image"] == "socle:latest"
        assert s["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        assert (DEPLOY / s["build"]["context"] / s["build"]["dockerfile"]).is_file()
        env = s["environment"]
        assert env["SOCLE_PRODUCTION"] == "true"
        assert all(_variable_connue(k, lues) for k in env), [k for k in env if not _variable_connue(k, lues)]
        for k, v in env.items():
            if k.endswith("_FILE"):
                assert v.startswith("/run/secrets/") and v.rsplit("/", 1)[1] in s["secrets"]
        assert set(s["secrets"]) <= set(compose["secrets"])
        assert "donnees:/var/lib/socle" in s["volumes"]
    assert services["worker"]["command"] == ["socle", "worker"] and services["worker"]["deploy"]["replicas"] >= 2
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]  # reached by the host's nginx only
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert set(services["postgres"]["secrets"]) <= set(compose["secrets"])
    assert set(compose["volumes"]) == {"pgdata", "donnees"}
    # pg_dump of the image (Debian bookworm: PostgreSQL 15, test_dockerfile) must not be older than the server
    assert services["postgres"]["image"].startswith("postgres:15")


def test_dockerfile():
    lignes = [ligne.strip() for ligne in (DEPLOY / "Dockerfile").read_text().splitlines()
              if ligne.strip() and not ligne.strip().startswith("#")]
    assert re.match(r"FROM python:3\.1[2-9]-slim-bookworm$", lignes[0])
    for ligne in lignes:
        if ligne.startswith("COPY "):
            for source in ligne.split()[1:-1]:
                assert (RACINE / source).exists(), source
    assert "USER socle" in lignes and "postgresql-client" in " ".join(lignes)
    assert lignes[-1] == 'CMD ["gunicorn", "--config", "/opt/socle/deploy/gunicorn.conf.py", "socle.wsgi:application"]'
    assert "tests" in (RACINE / ".dockerignore").read_text().split()


def test_gunicorn_conf():
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert conf["bind"] == "127.0.0.1:8000" and conf["workers"] >= 1 and conf["timeout"] >= 60
    assert conf["forwarded_allow_ips"] == "127.0.0.1,::1"


def test_site_nginx(settings):
    texte = (DEPLOY / "nginx" / "socle.conf").read_text()
    directives = [ligne.split("#", 1)[0].strip() for ligne in texte.splitlines()]
    for attendue in ("proxy_set_header X-Forwarded-Proto $scheme;",
                     "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                     "proxy_set_header Host $host;", "return 301 https://$host$request_uri;",
                     "ssl_protocols TLSv1.2 TLSv1.3;", "server 127.0.0.1:8000 max_fails=3 fail_timeout=10s;"):
        assert attendue in directives, attendue
    taille = re.search(r"client_max_body_size (\d+)m;", texte)
    assert taille and int(taille.group(1)) << 20 > settings.SOCLE_FINESS_MAX_FICHIER
    assert "add_header" not in texte  # the security headers come from Django, once
    assert texte.count("{") == texte.count("}")


def test_variables_des_exemples_connues():
    lues = _lues()
    for ligne in (DEPLOY / "socle.env.exemple").read_text().splitlines():
        ligne = ligne.strip().lstrip("# ")
        if re.match(r"^[A-Z][A-Z0-9_]+=", ligne):
            nom = ligne.split("=", 1)[0]
            assert _variable_connue(nom, lues), nom
