"""Django settings for zhifa.

Everything is configured from the environment so that the same code runs embedded (SQLite + local files under
var/) and at scale (PostgreSQL via DATABASE_URL). Nothing here reaches the network.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ZHIFA_VAR_DIR", BASE_DIR / "var")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("ZHIFA_DEBUG", False)
SECRET_KEY = os.environ.get("ZHIFA_SECRET_KEY", "")
if not SECRET_KEY:
    # A per-installation key kept beside the data, generated on first run; never a constant in the code.
    _key_file = VAR_DIR / "secret_key"
    if _key_file.exists():
        SECRET_KEY = _key_file.read_text().strip()
    else:
        import secrets

        _key_file.parent.mkdir(parents=True, exist_ok=True)
        SECRET_KEY = secrets.token_urlsafe(50)
        _key_file.write_text(SECRET_KEY)
        _key_file.chmod(0o600)

ALLOWED_HOSTS = [
    h for h in os.environ.get("ZHIFA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    # bottom layer
    "zhifa.core",
    "zhifa.ledger",
    "zhifa.deadlines",
    "zhifa.files",
    # 三库
    "zhifa.laws",
    "zhifa.registry",
    "zhifa.catalog",
    # 三平台
    "zhifa.documents",
    "zhifa.cases",
    "zhifa.reviews",
    "zhifa.portal",
    "zhifa.portal.search",
    "zhifa.portal.annual",
    # interfaces
    "zhifa.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "zhifa.urls"
WSGI_APPLICATION = "zhifa.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'zhifa.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a writer takes the lock at BEGIN, so two writers queue instead of failing mid-transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "registry.User"
LOGIN_URL = "/console/login/"
LOGIN_REDIRECT_URL = "/console/"
LOGOUT_REDIRECT_URL = "/console/login/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it to exist even before collectstatic
MEDIA_ROOT = Path(os.environ.get("ZHIFA_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = True

TASKS = {
    "default": {
        "BACKEND": os.environ.get("ZHIFA_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# The platform's ledger signing key (Ed25519, PEM). Generated on first use; kept outside the database so that a
# database administrator alone cannot forge a checkpoint.
ZHIFA_LEDGER_KEY_PATH = Path(os.environ.get("ZHIFA_LEDGER_KEY_PATH", VAR_DIR / "keys" / "ledger-ed25519.pem"))
# When appended events get their log index (zhifa/ledger/services.py):
# "commit" — right after each appending transaction commits (the SQLite default, and the tests');
# "worker" — by the integrator loop of `zhifa worker`, in batches (the PostgreSQL default: an append then costs its
#            INSERT alone, and requests do not wait for the sequencer). Run `zhifa worker` with PostgreSQL.
ZHIFA_LEDGER_INTEGRATION = os.environ.get("ZHIFA_LEDGER_INTEGRATION") or (
    "commit" if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else "worker"
)
# PostgreSQL: prepare the ledger's fixed statements (appends, the sequencer) once per connection. Set to 0 behind a
# connection pooler in transaction mode that cannot carry prepared statements (PgBouncer before 1.21).
ZHIFA_LEDGER_PREPARED_STATEMENTS = _env_bool("ZHIFA_LEDGER_PREPARED_STATEMENTS", True)
# A checkpoint is signed after this many new events (and by the periodic task).
ZHIFA_CHECKPOINT_EVERY = int(os.environ.get("ZHIFA_CHECKPOINT_EVERY", "1000"))
# Further public keys (PEM files) whose checkpoint signatures `zhifa verify` accepts, e.g. after a key rotation.
ZHIFA_LEDGER_TRUSTED_KEYS = [
    p for p in os.environ.get("ZHIFA_LEDGER_TRUSTED_KEYS", "").split(os.pathsep) if p
]

# Resumable uploads (tus): the largest accepted file, where partial uploads wait, and when idle ones expire.
ZHIFA_UPLOAD_MAX_SIZE = int(os.environ.get("ZHIFA_UPLOAD_MAX_SIZE", str(4 << 30)))
ZHIFA_UPLOAD_TEMP_DIR = os.environ.get("ZHIFA_UPLOAD_TEMP_DIR") or None
ZHIFA_UPLOAD_EXPIRE_SECONDS = int(os.environ.get("ZHIFA_UPLOAD_EXPIRE_SECONDS", str(3 * 24 * 3600)))
# The size of each PATCH the console's upload widget sends (a lost connection re-sends at most one of them).
ZHIFA_UPLOAD_CHUNK_SIZE = int(os.environ.get("ZHIFA_UPLOAD_CHUNK_SIZE", str(8 << 20)))

# Public portal: the platform's jurisdiction (a GB/T 2260 code; empty: the deepest jurisdiction holding every body)
# and the public base URL printed in QR codes of certificate cards (empty: the URL the page was requested at).
ZHIFA_PORTAL_JURISDICTION = os.environ.get("ZHIFA_PORTAL_JURISDICTION", "")
ZHIFA_PORTAL_URL = os.environ.get("ZHIFA_PORTAL_URL", "")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZHIFA_LOG_LEVEL", "WARNING")},
}
