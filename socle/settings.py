"""Socle settings, read from the environment (django-environ) with an embedded SQLite default."""

import secrets
from pathlib import Path

import environ

from socle import referentiels

BASE_DIR = Path(__file__).resolve().parent
env = environ.Env()
environ.Env.read_env(env.str("SOCLE_ENV_FILE", default=str(BASE_DIR.parent / ".env")))

DATA_DIR = Path(env.str("SOCLE_DATA_DIR", default=str(BASE_DIR.parent / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _local_secret(name: str, factory) -> str:
    """A per-installation secret kept in the data folder when the environment gives none."""
    path = DATA_DIR / name
    if not path.exists():
        path.write_text(factory())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret(".secret_key", lambda: secrets.token_urlsafe(50))
# Key used to encrypt stored secrets (certificate passwords). Fernet key, urlsafe base64 of 32 bytes.
SOCLE_SECRETS_KEY = env.str("SOCLE_SECRETS_KEY", default="") or _local_secret(
    ".secrets_key", lambda: __import__("cryptography.fernet", fromlist=["Fernet"]).Fernet.generate_key().decode()
)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

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
    "socle.comptes",
    "socle.audit",
    "socle.organisations",
    "socle.personnel",
    "socle.usagers",
    "socle.prerequis",
    "socle.pilotage",
    "socle.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: every view needs a signed-in person unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "socle.audit.middleware.AuditContextMiddleware",
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
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"

TASKS = {
    "default": {
        "BACKEND": env.str("SOCLE_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "imports", "ins"],
    }
}

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

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
X_FRAME_OPTIONS = "DENY"

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
SOCLE_PERSONNEL_MAX_DECOMPRESSE = env.int("SOCLE_PERSONNEL_MAX_DECOMPRESSE", default=50 * _MO)  # XLSX content
SOCLE_PERSONNEL_MAX_COLONNES = env.int("SOCLE_PERSONNEL_MAX_COLONNES", default=200)
SOCLE_PERSONNEL_MAX_LIGNES = env.int("SOCLE_PERSONNEL_MAX_LIGNES", default=50_000)
SOCLE_PERSONNEL_MAX_LIGNE = env.int("SOCLE_PERSONNEL_MAX_LIGNE", default=1 * _MO)  # one CSV record, in bytes
SOCLE_PERSONNEL_MAX_PROBLEMES_DETAIL = env.int("SOCLE_PERSONNEL_MAX_PROBLEMES_DETAIL", default=1000)

# --- usagers ---
# INSi backlog batches require an INSi-ready certificate deposited in the prerequisites cockpit (an AUTH_CLI
# certificate valid today); false only for a test platform.
SOCLE_INSI_EXIGER_CERTIFICAT = env.bool("SOCLE_INSI_EXIGER_CERTIFICAT", default=True)
