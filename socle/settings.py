"""Socle settings, read from the environment (django-environ) with an embedded SQLite default.

Two modes, chosen explicitly:
- default (demo, development, tests): plain HTTP on 127.0.0.1 works, secrets are generated in the data folder;
- production, `SOCLE_PRODUCTION=true`: start-up is refused (ImproperlyConfigured) without a real SECRET_KEY, with
  an empty or wildcard ALLOWED_HOSTS, or with DEBUG; cookies are Secure, HSTS and the HTTPS redirect are on,
  and `socle check --deploy` is clean (tests/securite/test_production.py). See deploy/ and the README.

Every variable may also be given as a file with the `_FILE` suffix (SECRET_KEY_FILE=/run/secrets/…), for
systemd credentials and Docker secrets (django-environ's FileAwareEnv).
"""

import os
import secrets
import stat
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from socle import referentiels

BASE_DIR = Path(__file__).resolve().parent


class _VariablesEtFichiers(environ.FileAwareMapping):
    """VAR or VAR_FILE (its content, without the final newline an editor or `echo` leaves)."""

    def __getitem__(self, key):
        valeur = super().__getitem__(key)
        return valeur.strip() if self.env.get(f"{key}_FILE") else valeur


env = environ.FileAwareEnv()
env.ENVIRON = _VariablesEtFichiers()
environ.Env.read_env(env.str("SOCLE_ENV_FILE", default=str(BASE_DIR.parent / ".env")))

SOCLE_PRODUCTION = env.bool("SOCLE_PRODUCTION", default=False)

DATA_DIR = Path(env.str("SOCLE_DATA_DIR", default=str(BASE_DIR.parent / "var")))
if os.environ.get("PYTEST_XDIST_WORKER") and not os.environ.get("SOCLE_DATA_DIR_PAR_PROCESSUS"):
    # Tests run in parallel (pytest-xdist): a data folder per test process, so mails, files and file locks never
    # mix. The processes a test starts inherit the result (or the folder the test gives them), never a second level.
    DATA_DIR = DATA_DIR / os.environ["PYTEST_XDIST_WORKER"]
    os.environ["SOCLE_DATA_DIR"] = os.environ["SOCLE_DATA_DIR_PAR_PROCESSUS"] = str(DATA_DIR)


def _prive(chemin: Path) -> None:
    """Personal data and keys live under the data folder: nobody but Socle's account reads them. Applied to
    what Socle creates and tightened on what an older version left readable (a 0644 database)."""
    try:
        etat = chemin.stat()
    except FileNotFoundError:
        return
    if etat.st_uid == os.geteuid() and stat.S_IMODE(etat.st_mode) & 0o077:
        chemin.chmod(stat.S_IMODE(etat.st_mode) & ~0o077)


DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
_prive(DATA_DIR)


def _local_secret(name: str, factory) -> str:
    """A per-installation secret kept in the data folder when the environment gives none (created 0600)."""
    path = DATA_DIR / name
    if not path.exists():
        # Written whole in a private temporary file, then linked in place: a process starting at the same time
        # (web and worker) never reads a half-written key, and the first one's key wins.
        fd, provisoire = tempfile.mkstemp(prefix=f"{name}.", dir=DATA_DIR)  # 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(factory())
            os.link(provisoire, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(provisoire)
    _prive(path)
    return path.read_text().strip()


def _cle_faible(cle: str) -> bool:
    """Django's own rule (security.W009): too short, too few distinct characters, or a generated placeholder."""
    return len(cle) < 50 or len(set(cle)) < 5 or cle.startswith("django-insecure-")


_SECRET_KEY_ENV = env.str("SECRET_KEY", default="")
if SOCLE_PRODUCTION:
    # In production the key must come from the environment (or SECRET_KEY_FILE): never one generated on the
    # fly into the data folder of one machine (several machines must share it, and a backup must not be the
    # only copy of what signs the sessions).
    SECRET_KEY = _SECRET_KEY_ENV
else:
    SECRET_KEY = _SECRET_KEY_ENV or _local_secret(".secret_key", lambda: secrets.token_urlsafe(50))
# Key used to encrypt stored secrets (certificate passwords). Fernet key, urlsafe base64 of 32 bytes. Generated
# in the data folder if absent (`socle backup` keeps it); several machines share it (same variable or folder).
SOCLE_SECRETS_KEY = env.str("SOCLE_SECRETS_KEY", default="") or _local_secret(
    ".secrets_key", lambda: __import__("cryptography.fernet", fromlist=["Fernet"]).Fernet.generate_key().decode()
)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if SOCLE_PRODUCTION else
                         ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])


def _refus_production() -> list[str]:
    """What SOCLE_PRODUCTION=true refuses, in French, all at once."""
    refus = []
    if not _SECRET_KEY_ENV:
        refus.append("SECRET_KEY absente : donnez une clé secrète propre à l'installation (variable SECRET_KEY ou "
                     "fichier SECRET_KEY_FILE), d'au moins 50 caractères, par exemple : python3 -c "
                     "\"import secrets; print(secrets.token_urlsafe(50))\". La clé générée dans le dossier de "
                     "données n'est acceptée que hors production.")
    elif _cle_faible(_SECRET_KEY_ENV):
        refus.append("SECRET_KEY trop faible : au moins 50 caractères dont 5 différents, et pas une clé "
                     "« django-insecure- » (celle d'un modèle ou d'une démonstration).")
    if not ALLOWED_HOSTS:
        refus.append("ALLOWED_HOSTS vide : indiquez le ou les noms du site, séparés par des virgules "
                     "(ALLOWED_HOSTS=socle.mon-organisme.fr).")
    elif "*" in ALLOWED_HOSTS:
        refus.append("ALLOWED_HOSTS=* refusé : indiquez les noms du site (l'en-tête Host n'est sinon pas vérifié).")
    try:
        __import__("cryptography.fernet", fromlist=["Fernet"]).Fernet(SOCLE_SECRETS_KEY)
    except ValueError:
        refus.append("SOCLE_SECRETS_KEY n'est pas une clé Fernet (32 octets en base64 URL, 44 caractères) : les "
                     "mots de passe des certificats ne pourraient être ni chiffrés ni déchiffrés.")
    if DEBUG:
        refus.append("DEBUG=true interdit en production : les pages d'erreur afficheraient des données et réglages.")
    return refus


if SOCLE_PRODUCTION and (_refus := _refus_production()):
    raise ImproperlyConfigured(
        "Socle refuse de démarrer en mode production (SOCLE_PRODUCTION=true) :\n- " + "\n- ".join(_refus))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "socle.comptes",
    "socle.audit",
    "socle.organisations",
    "socle.personnel",
    "socle.usagers",
    "socle.prerequis",
    "socle.documents",
    "socle.pilotage",
    "socle.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Behind the reverse proxy: the client's address (audit journal) from X-Forwarded-For, trusted proxies only.
    "socle.web.middleware.AdresseClientMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: every view needs a signed-in person unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # No page or download of Socle is kept by a browser or proxy cache (Cache-Control: no-store).
    "socle.web.middleware.PasDeCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Strong authentication (PSC or second factor) copied onto the user for `rights`, inactivity time-out, and the
    # refusal of NIR/INS screens to a session without strong authentication.
    "socle.comptes.middleware.AuthentificationMiddleware",
    # A Pro Santé Connect session ends when PSC refuses its refresh token.
    "socle.web.middleware.SessionPscMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "socle.audit.middleware.AuditContextMiddleware",
    # Last, as django-axes asks: turns a refused sign-in (account or address locked out) into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "socle.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "socle.web.context_processors.socle",
            ],
        },
    },
]
WSGI_APPLICATION = "socle.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'socle.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    _base = str(DATABASES["default"]["NAME"])
    if _base and _base != ":memory:" and not _base.startswith("file:"):
        # Created 0600 before SQLite opens it (SQLite gives its journal and WAL files the same mode).
        Path(_base).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(_base, os.O_WRONLY | os.O_CREAT, 0o600))
        _prive(Path(_base))
else:
    # A PostgreSQL connection is a server process: opened once per web worker and kept SOCLE_BDD_CONNEXION_DUREE
    # seconds (0: one per request), checked before reuse. Opening one per request added about 10 ms to every page
    # of the load test (benchmarks/charge).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("SOCLE_BDD_CONNEXION_DUREE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "comptes.Utilisateur"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Sign-in throttling (django-axes): after SOCLE_CONNEXION_ECHECS_MAX failed attempts on one account, or from one
# address (SOCLE_CONNEXION_BLOCAGE_PAR: "username", "ip_address", or both, each counted apart), sign-in is refused
# for SOCLE_CONNEXION_BLOCAGE_MINUTES, even with the right password; the lock-out is written in the access log.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "socle.comptes.backends.CompteBackend"]
AXES_FAILURE_LIMIT = env.int("SOCLE_CONNEXION_ECHECS_MAX", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SOCLE_CONNEXION_BLOCAGE_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = env.list("SOCLE_CONNEXION_BLOCAGE_PAR", default=["username", "ip_address"])
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "socle.comptes.views.reponse_blocage"  # the French lock-out page (HTTP 429)
AXES_VERBOSE = False  # the access log (socle.audit) records failures and lock-outs
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the access log already: no second copy with IPs
AXES_ENABLE_ADMIN = True
# One-time activation link of a new account (e-mailed; the person chooses her password): valid this many seconds.
PASSWORD_RESET_TIMEOUT = env.int("SOCLE_ACTIVATION_DUREE", default=3 * 24 * 3600)

LOGIN_URL = "comptes:login"
LOGIN_REDIRECT_URL = "web:accueil"
LOGOUT_REDIRECT_URL = "comptes:login"

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Collected files (`socle collectstatic`), served by WhiteNoise from the application; outside the data folder
# in the Docker image (SOCLE_STATIC_ROOT), since they hold nothing private.
STATIC_ROOT = Path(env.str("SOCLE_STATIC_ROOT", default=str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"  # deposited files (proofs, imports): never served directly, 0700 / 0600
MEDIA_ROOT.mkdir(mode=0o700, exist_ok=True)
_prive(MEDIA_ROOT)
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

TASKS = {
    "default": {
        "BACKEND": env.str("SOCLE_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "imports", "ins", "dmp"],
    }
}

# A locked database (SQLite: one writer at a time) is waited for, never fatal to a background job: per-line writes of
# the INS batch retry for at most SOCLE_BDD_VERROU_DELAI_MAX seconds; `socle worker` waits (backoff up to
# SOCLE_WORKER_ATTENTE_MAX seconds between tries) and goes on, and records a task's result for at most
# SOCLE_WORKER_PATIENCE_RESULTAT seconds.
SOCLE_BDD_VERROU_DELAI_MAX = env.float("SOCLE_BDD_VERROU_DELAI_MAX", default=60.0)
SOCLE_WORKER_ATTENTE_MAX = env.float("SOCLE_WORKER_ATTENTE_MAX", default=30.0)
SOCLE_WORKER_PATIENCE_RESULTAT = env.float("SOCLE_WORKER_PATIENCE_RESULTAT", default=3600.0)

DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="socle@localhost")
# Mail (reminders, alerts). Default: messages written as files in var/mails (nothing leaves the machine);
# set SOCLE_SMTP_HOST to send through an SMTP relay.
if env.str("SOCLE_SMTP_HOST", default=""):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {
        "host": env.str("SOCLE_SMTP_HOST"), "port": env.int("SOCLE_SMTP_PORT", default=25),
        "username": env.str("SOCLE_SMTP_USER", default=""), "password": env.str("SOCLE_SMTP_PASSWORD", default=""),
        "use_tls": env.bool("SOCLE_SMTP_TLS", default=False)}}}
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                           "OPTIONS": {"file_path": str(DATA_DIR / "mails")}}}

# --- HTTP security (SOCLE_PRODUCTION turns the HTTPS-only parts on; each one can be set on its own) ---
# Cookies: HttpOnly and SameSite always; Secure in production. Off by default so that the demo and a local trial
# over plain HTTP on 127.0.0.1 can sign in (a browser drops a Secure cookie received over http).
SOCLE_COOKIES_SECURE = env.bool("SOCLE_COOKIES_SECURE", default=SOCLE_PRODUCTION)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SOCLE_COOKIES_SECURE
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from the page (hx-headers), never reads the cookie
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = env.str("SOCLE_COOKIES_SAMESITE", default="Lax")
if SOCLE_COOKIES_SECURE:  # __Host- prefix: the browser keeps them only from HTTPS, for this exact host
    SESSION_COOKIE_NAME, CSRF_COOKIE_NAME = "__Host-sessionid", "__Host-csrftoken"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
# A session ends after this many seconds without a request (2 h at most: PGSSI-S, sensitive health data).
SOCLE_SESSION_INACTIVITE = env.int("SOCLE_SESSION_INACTIVITE", default=2 * 3600)
if not 60 <= SOCLE_SESSION_INACTIVITE <= 2 * 3600:
    raise ImproperlyConfigured("SOCLE_SESSION_INACTIVITE doit être comprise entre 60 et 7200 secondes (2 h au plus).")
# HTTPS: HSTS and the redirect of http:// to https:// (nginx redirects too). Behind the reverse proxy, the
# scheme comes from X-Forwarded-Proto, which the proxy must set (deploy/nginx/socle.conf) and which only the
# proxy may reach gunicorn with (gunicorn listens on 127.0.0.1 or a socket).
SECURE_HSTS_SECONDS = env.int("SOCLE_HSTS_SECONDS", default=365 * 24 * 3600 if SOCLE_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SOCLE_HSTS_INCLUDE_SUBDOMAINS", default=SOCLE_PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("SOCLE_HSTS_PRELOAD", default=SOCLE_PRODUCTION)  # a hint: inert until submitted
SECURE_SSL_REDIRECT = env.bool("SOCLE_SSL_REDIRECT", default=SOCLE_PRODUCTION)
if env.bool("SOCLE_PROXY_HTTPS", default=SOCLE_PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Addresses (or networks) of the reverse proxies whose X-Forwarded-For gives the client's address, recorded
# in the audit journal (socle.web.middleware.AdresseClientMiddleware). Empty: REMOTE_ADDR as received.
SOCLE_PROXIES = env.list("SOCLE_PROXIES", default=["127.0.0.1", "::1"] if SOCLE_PRODUCTION else [])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (Django's ContentSecurityPolicyMiddleware): scripts and style sheets from Socle only,
# htmx served locally, no inline script or event handler anywhere (tests/securite/test_production.py reads every
# template). Inline `style` attributes remain for the widths and colours of bars and timelines computed on the
# server (style-src-attr); a <style> element is refused. htmx's own injected indicator style is turned off
# (meta htmx-config in base.html).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# --- INSi ---
# Empty URL = the local INSi stand-in (own test CA and certificates, started on demand on 127.0.0.1).
# CNAM: qualification https://qualiflps-services-ps-tlsm.ameli.fr/lps, production https://services-ps-tlsm.ameli.fr/lps
SOCLE_INSI_URL = env.str("SOCLE_INSI_URL", default="")
# AUTH_CLI software certificates: CN INSI-AUTO (batches) and INSI-MANU (a person triggers the call), as a
# PKCS#12 (SOCLE_INSI_P12_*) or PEM certificate + key; password in clear from the environment or
# encrypted with SOCLE_SECRETS_KEY (SOCLE_INSI_PASSWORD_*_CHIFFRE, see socle.connecteurs.commun.secrets.chiffrer).
# Calls made for an organisation present ITS certificate, deposited in the prerequisites cockpit; these
# installation-wide certificates are only used by `socle ins search` and, when SOCLE_INSI_CERTIFICATS_INSTALLATION
# is true (single-organisation installation), for an organisation that deposited none. Without SOCLE_INSI_URL
# they are the local stand-in's own test certificates.
SOCLE_INSI_CERTIFICATS_INSTALLATION = env.bool("SOCLE_INSI_CERTIFICATS_INSTALLATION", default=False)
SOCLE_INSI_P12_AUTO = env.str("SOCLE_INSI_P12_AUTO", default="")
SOCLE_INSI_CERT_AUTO = env.str("SOCLE_INSI_CERT_AUTO", default="")
SOCLE_INSI_KEY_AUTO = env.str("SOCLE_INSI_KEY_AUTO", default="")
SOCLE_INSI_PASSWORD_AUTO = env.str("SOCLE_INSI_PASSWORD_AUTO", default="")
SOCLE_INSI_PASSWORD_AUTO_CHIFFRE = env.str("SOCLE_INSI_PASSWORD_AUTO_CHIFFRE", default="")
SOCLE_INSI_P12_MANU = env.str("SOCLE_INSI_P12_MANU", default="")
SOCLE_INSI_CERT_MANU = env.str("SOCLE_INSI_CERT_MANU", default="")
SOCLE_INSI_KEY_MANU = env.str("SOCLE_INSI_KEY_MANU", default="")
SOCLE_INSI_PASSWORD_MANU = env.str("SOCLE_INSI_PASSWORD_MANU", default="")
SOCLE_INSI_PASSWORD_MANU_CHIFFRE = env.str("SOCLE_INSI_PASSWORD_MANU_CHIFFRE", default="")
SOCLE_INSI_CA_BUNDLE = env.str("SOCLE_INSI_CA_BUNDLE", default="")  # IGC Santé server CA chain (PEM)
SOCLE_INSI_IDAM = env.str("SOCLE_INSI_IDAM", default="")  # CNDA authorisation number of the software
SOCLE_INSI_LOGICIEL_NOM = env.str("SOCLE_INSI_LOGICIEL_NOM", default="Socle")
SOCLE_INSI_LOGICIEL_VERSION = env.str("SOCLE_INSI_LOGICIEL_VERSION", default="0.1.0")
SOCLE_INSI_INSTANCE = env.str("SOCLE_INSI_INSTANCE", default="") or _local_secret(
    ".insi_instance", lambda: str(__import__("uuid").uuid4())
)
SOCLE_INSI_EMETTEUR = env.str("SOCLE_INSI_EMETTEUR", default="")
SOCLE_INSI_TIMEOUT = env.float("SOCLE_INSI_TIMEOUT", default=10.0)  # seconds per SOAP call
SOCLE_INSI_RATE = env.float("SOCLE_INSI_RATE", default=5.0)  # max calls per second for batches
SOCLE_INSI_STANDIN_BASE = env.str("SOCLE_INSI_STANDIN_BASE", default="")  # JSON identities for the stand-in
SOCLE_INSI_STANDIN_LENTEUR = env.float("SOCLE_INSI_STANDIN_LENTEUR", default=3.0)  # delay of nom LENTEUR

# --- DMP (IHE XDS.b; see socle/connecteurs/dmp/configuration.py) ---
# The CNAM's DMP integration guide is not public: endpoints, homologation number and LPS identifiers are
# configuration. SOCLE_DMP_URL empty = the local stand-in (started on demand, own test CA).
SOCLE_DMP_URL = env.str("SOCLE_DMP_URL", default="")
SOCLE_DMP_CHEMIN_REPOSITORY = env.str("SOCLE_DMP_CHEMIN_REPOSITORY", default="/repository")  # ITI-41 / ITI-43
SOCLE_DMP_CHEMIN_REGISTRE = env.str("SOCLE_DMP_CHEMIN_REGISTRE", default="/registry")  # ITI-18 / ITI-57
SOCLE_DMP_REPOSITORY_ID = env.str("SOCLE_DMP_REPOSITORY_ID", default="")
SOCLE_DMP_CA_BUNDLE = env.str("SOCLE_DMP_CA_BUNDLE", default="")
SOCLE_DMP_HOMOLOGATION = env.str("SOCLE_DMP_HOMOLOGATION", default="")  # VIHF LPS_ID_HOMOLOGATION_DMP
SOCLE_DMP_LPS_ID = env.str("SOCLE_DMP_LPS_ID", default="")
SOCLE_DMP_LPS_NOM = env.str("SOCLE_DMP_LPS_NOM", default="Socle")
SOCLE_DMP_LPS_VERSION = env.str("SOCLE_DMP_LPS_VERSION", default="0.1.0")
SOCLE_DMP_SOURCE_ID = env.str("SOCLE_DMP_SOURCE_ID", default="")  # OID of this installation as XDS source
SOCLE_DMP_TIMEOUT = env.float("SOCLE_DMP_TIMEOUT", default=20.0)  # seconds per call
SOCLE_DMP_TABLE_X04 = env.str("SOCLE_DMP_TABLE_X04", default="")  # official ASS_X04 CSV (type;classe) if loaded

# --- personnel ---
# Métier → rôle table used to pre-fill each OG's mapping: the field table vendored in socle/referentiels, or
# another sector's table (same layout) named by SOCLE_METIERS_CSV. Missing or invalid: an error, no fallback.
PERSONNEL_METIERS_CSV = env.str("SOCLE_METIERS_CSV", default=str(referentiels.chemin(referentiels.TABLE_METIERS)))
# HR files with more rows than this are analysed and imported by the background worker (`socle worker`).
PERSONNEL_IMPORT_SEUIL_TACHE = env.int("SOCLE_IMPORT_SEUIL_TACHE", default=1500)

# --- limits on uploaded files (FINESS and staff imports) ---
# A file that breaks one is refused with a message naming the setting. Sizes in bytes.
_MO = 1 << 20
# Any compressed file (.gz, .zip, .xlsx): at most SOCLE_IMPORT_MAX_RATIO times bigger once decompressed,
# checked beyond SOCLE_IMPORT_SEUIL_RATIO bytes out (a 6 KB file inflating to gigabytes is an attack);
# at most SOCLE_IMPORT_MAX_MEMBRES_ZIP files in a zip archive (an XLSX holds a dozen).
SOCLE_IMPORT_MAX_RATIO = env.int("SOCLE_IMPORT_MAX_RATIO", default=200)
SOCLE_IMPORT_SEUIL_RATIO = env.int("SOCLE_IMPORT_SEUIL_RATIO", default=5 * _MO)
SOCLE_IMPORT_MAX_MEMBRES_ZIP = env.int("SOCLE_IMPORT_MAX_MEMBRES_ZIP", default=100)
# FINESS: the national JSON flux is a few hundred MB uncompressed.
SOCLE_FINESS_MAX_FICHIER = env.int("SOCLE_FINESS_MAX_FICHIER", default=1024 * _MO)  # uploaded file
SOCLE_FINESS_MAX_DECOMPRESSE = env.int("SOCLE_FINESS_MAX_DECOMPRESSE", default=1024 * _MO)  # content read
SOCLE_FINESS_MAX_PROFONDEUR = env.int("SOCLE_FINESS_MAX_PROFONDEUR", default=32)  # JSON nesting (real: 8)
SOCLE_FINESS_MAX_ENREGISTREMENTS = env.int("SOCLE_FINESS_MAX_ENREGISTREMENTS", default=1_000_000)  # items / lines
SOCLE_FINESS_MAX_ENREGISTREMENT = env.int("SOCLE_FINESS_MAX_ENREGISTREMENT", default=10 * _MO)  # one EJ+ET / line
SOCLE_FINESS_MAX_REJETS_DETAIL = env.int("SOCLE_FINESS_MAX_REJETS_DETAIL", default=1000)  # the rest: counts
# Staff (HR export, portal return): CSV or XLSX.
SOCLE_PERSONNEL_MAX_FICHIER = env.int("SOCLE_PERSONNEL_MAX_FICHIER", default=50 * _MO)  # uploaded file
SOCLE_DOCUMENTS_MAX_PDF = env.int("SOCLE_DOCUMENTS_MAX_PDF", default=20 * _MO)  # PDF of a usager's document
# Root OID of this installation's local identifiers in CDA documents (IPP): its own registered OID in
# production; the default is a UUID-based OID (ISO arc 2.25), unique without registration.
SOCLE_OID_RACINE = env.str("SOCLE_OID_RACINE", default="2.25.126339579000497674410381489024078277648")
SOCLE_PERSONNEL_MAX_DECOMPRESSE = env.int("SOCLE_PERSONNEL_MAX_DECOMPRESSE", default=50 * _MO)  # XLSX content
SOCLE_PERSONNEL_MAX_COLONNES = env.int("SOCLE_PERSONNEL_MAX_COLONNES", default=200)
SOCLE_PERSONNEL_MAX_LIGNES = env.int("SOCLE_PERSONNEL_MAX_LIGNES", default=50_000)
SOCLE_PERSONNEL_MAX_LIGNE = env.int("SOCLE_PERSONNEL_MAX_LIGNE", default=1 * _MO)  # one CSV record, in bytes
SOCLE_PERSONNEL_MAX_PROBLEMES_DETAIL = env.int("SOCLE_PERSONNEL_MAX_PROBLEMES_DETAIL", default=1000)
# Usagers from a DUI (CSV/XLSX, FHIR Bundle, HL7 v2 ADT): usagers.echanges.
SOCLE_USAGERS_MAX_FICHIER = env.int("SOCLE_USAGERS_MAX_FICHIER", default=50 * _MO)  # uploaded file
SOCLE_USAGERS_MAX_DECOMPRESSE = env.int("SOCLE_USAGERS_MAX_DECOMPRESSE", default=200 * _MO)  # content read
SOCLE_USAGERS_MAX_ENREGISTREMENTS = env.int("SOCLE_USAGERS_MAX_ENREGISTREMENTS", default=200_000)  # rows/messages
SOCLE_USAGERS_MAX_ENREGISTREMENT = env.int("SOCLE_USAGERS_MAX_ENREGISTREMENT", default=1 * _MO)  # one row/message
SOCLE_USAGERS_MAX_PROBLEMES_DETAIL = env.int("SOCLE_USAGERS_MAX_PROBLEMES_DETAIL", default=1000)
SOCLE_USAGERS_SEUIL_TACHE = env.int("SOCLE_USAGERS_SEUIL_TACHE", default=2 * _MO)  # larger: socle worker
SOCLE_API_JETON_JOURS = env.int("SOCLE_API_JETON_JOURS", default=365)  # validity of a new API token

# --- usagers ---
# INSi backlog batches require an INSi-ready certificate deposited in the prerequisites cockpit (an AUTH_CLI
# certificate valid today); false only for a test platform.
SOCLE_INSI_EXIGER_CERTIFICAT = env.bool("SOCLE_INSI_EXIGER_CERTIFICAT", default=True)
# Every INSi call by certificate (batch and one by one) is refused until the OG's auto-homologation step is
# "fait"; false only for a test platform (the certificates and homologation screens then say so).
SOCLE_INSI_EXIGER_HOMOLOGATION = env.bool("SOCLE_INSI_EXIGER_HOMOLOGATION", default=True)
# Certificate authorities accepted besides the IGC Santé (issuer CN), for a test platform only: by default, outside
# production, the local stand-ins' test CAs. A certificate of another issuer (or self-signed) is never "prêt".
SOCLE_CERTIFICATS_AC_TEST = env.list("SOCLE_CERTIFICATS_AC_TEST", default=[] if SOCLE_PRODUCTION else [
    "TEST AC SOCLE", "TEST AC SOCLE BOUCHON INSI", "TEST AC SOCLE BOUCHON DMP", "AC DÉMO NON OFFICIELLE"])

# --- Pro Santé Connect (e-CPS) ---
# SOCLE_PSC_ENVIRONNEMENT: "bouchon" (the local stand-in identity provider on 127.0.0.1, default outside
# production), "bas" (PSC's sandbox), "production", or empty (no PSC button). Presets in
# socle/connecteurs/psc/configuration.py; each URL can be replaced (SOCLE_PSC_URL_*). client_id and client_secret
# come from PSC's registration (DataPass); the token endpoint may require a client certificate (SOCLE_PSC_CERT /
# SOCLE_PSC_KEY). SOCLE_PSC_CLE_JWE: Socle's private key (PEM file) when PSC encrypts its tokens (JWE).
SOCLE_PSC_ENVIRONNEMENT = env.str("SOCLE_PSC_ENVIRONNEMENT", default="" if SOCLE_PRODUCTION else "bouchon")
if SOCLE_PSC_ENVIRONNEMENT not in ("", "bouchon", "bas", "production"):
    raise ImproperlyConfigured("SOCLE_PSC_ENVIRONNEMENT : bouchon, bas, production ou vide.")
if SOCLE_PRODUCTION and SOCLE_PSC_ENVIRONNEMENT == "bouchon":
    raise ImproperlyConfigured("SOCLE_PSC_ENVIRONNEMENT=bouchon est refusé en production : le bouchon accepte "
                               "n'importe quelle identité de test.")
SOCLE_PSC_CLIENT_ID = env.str("SOCLE_PSC_CLIENT_ID", default="")
SOCLE_PSC_CLIENT_SECRET = env.str("SOCLE_PSC_CLIENT_SECRET", default="")
SOCLE_PSC_URLS = {cle: env.str(f"SOCLE_PSC_URL_{nom}", default="") for cle, nom in (
    ("issuer", "ISSUER"), ("authorization_endpoint", "AUTORISATION"), ("token_endpoint", "JETON"),
    ("userinfo_endpoint", "USERINFO"), ("end_session_endpoint", "DECONNEXION"), ("jwks_uri", "JWKS"),
    ("introspection_endpoint", "INTROSPECTION"))}
SOCLE_PSC_CERT = env.str("SOCLE_PSC_CERT", default="")
SOCLE_PSC_KEY = env.str("SOCLE_PSC_KEY", default="")
SOCLE_PSC_CA_BUNDLE = env.str("SOCLE_PSC_CA_BUNDLE", default="")
SOCLE_PSC_CLE_JWE = env.str("SOCLE_PSC_CLE_JWE", default="")
SOCLE_PSC_TIMEOUT = env.float("SOCLE_PSC_TIMEOUT", default=10.0)
SOCLE_PSC_BOUCHON_PORT = env.int("SOCLE_PSC_BOUCHON_PORT", default=0)  # 0: a free port, chosen at start
