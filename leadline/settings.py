"""Leadline's one settings module: everything an operator may change comes from the environment.

See README "Configuration" for the variables. Helpers in leadline.core.env fail loudly, naming the
variable, when a value cannot be used.
"""

from __future__ import annotations

import sys
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from leadline.core.env import env_bool, env_choice, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent
TESTING = "pytest" in sys.modules or env_bool("LEADLINE_TESTING")

DATA_DIR = Path(env_str("LEADLINE_DATA_DIR", ".leadline")).expanduser().resolve()


def _secret_key() -> str:
    configured = env_str("LEADLINE_SECRET_KEY")
    if configured:
        if len(configured) < 32:
            raise ImproperlyConfigured("LEADLINE_SECRET_KEY must be at least 32 characters long.")
        return configured
    # Self-hosted installs without a configured key get one generated once and kept in the data dir.
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    from django.core.management.utils import get_random_secret_key

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = get_random_secret_key()
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = "leadline-tests-only-secret-key-not-for-production-use" if TESTING else _secret_key()
DEBUG = env_bool("LEADLINE_DEBUG", False)

BASE_URL = env_url("LEADLINE_BASE_URL", "http://127.0.0.1:8000", schemes=("http", "https")).rstrip("/")
_base_host = urlsplit(BASE_URL).hostname or "127.0.0.1"
ALLOWED_HOSTS = env_list("LEADLINE_ALLOWED_HOSTS", [_base_host, "127.0.0.1", "localhost", "[::1]"])
if TESTING:
    ALLOWED_HOSTS = ["*"]
CSRF_TRUSTED_ORIGINS = [BASE_URL]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks_db",
    "ninja",  # serves the API docs from its bundled Swagger UI files instead of a CDN
    "leadline.core",
    "leadline.accounts",
    "leadline.contacts",
    "leadline.activity",
    "leadline.tracking",
    "leadline.mail",
    "leadline.forms",
    "leadline.segments",
    "leadline.scoring",
    "leadline.sales",
    "leadline.testimonials",
    "leadline.automation",
    "leadline.analytics",
    "leadline.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "leadline.tracking.endpoints.TrackingEndpointsMiddleware",  # /t/collect and /t.js skip the layers below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "leadline.core.middleware.UserTimeZoneMiddleware",
    "leadline.core.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "leadline.urls"
WSGI_APPLICATION = "leadline.wsgi.application"

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
                "leadline.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = env_url("DATABASE_URL", "", schemes=("sqlite", "postgres", "postgresql", "pgsql"))
if DATABASE_URL:
    try:
        _database = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL could not be read: {error}") from None
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    _database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "leadline.sqlite3")}

if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["OPTIONS"] = {
        # WAL lets the web process read while a worker writes; IMMEDIATE avoids lock upgrades failing.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
            " PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    # Each web thread keeps its connection: opening one runs the PRAGMAs above, and closing the last
    # one checkpoints the WAL to disk, which would make every request pay for a flush.
    _database["CONN_MAX_AGE"] = None
    # Tests use a file too: the browser tests' live server answers several requests at once (a page
    # and its fragments), and an in-memory database would share one connection between those threads.
    _database["TEST"] = (
        {"NAME": str(DATA_DIR / "test.sqlite3")} if env_bool("LEADLINE_TEST_FILE_DB", True) else {}
    )
else:
    _database.setdefault("OPTIONS", {})
    _database["OPTIONS"]["pool"] = env_bool("LEADLINE_DB_POOL", False)
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and background work --------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", "", schemes=("redis", "rediss", "unix"))
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LEADLINE_TASKS = env_choice("LEADLINE_TASKS", ("db", "immediate"), "db")
if TESTING or LEADLINE_TASKS == "immediate":
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Mail -----------------------------------------------------------------------------------------
# EMAIL_URL: smtp://user:pass@host:port (smtp+tls:// for STARTTLS, smtp+ssl:// for TLS from the
# start), an email service through django-anymail as anymail+<service>://<credentials>@ (for example
# anymail+postmark://SERVER_TOKEN@ or anymail+mailjet://API_KEY:SECRET_KEY@; query parameters become
# ANYMAIL settings by name, e.g. ?webhook_secret=user:pass), console://, or outbox:// (the default:
# the in-app outbox viewer).
_SMTP_SCHEMES = ("smtp", "smtp+tls", "smtp+ssl")
# service → (its anymail backend module, the settings the URL's user name and password give)
_ANYMAIL_SERVICES: dict[str, tuple[str, tuple[str, ...]]] = {
    "amazon_ses": ("amazon_ses", ()),
    "brevo": ("brevo", ("API_KEY",)),
    "mailersend": ("mailersend", ("API_TOKEN",)),
    "mailgun": ("mailgun", ("API_KEY",)),
    "mailjet": ("mailjet", ("API_KEY", "SECRET_KEY")),
    "mailtrap": ("mailtrap", ("API_TOKEN",)),
    "mandrill": ("mandrill", ("API_KEY",)),
    "postal": ("postal", ("API_KEY",)),
    "postmark": ("postmark", ("SERVER_TOKEN",)),
    "resend": ("resend", ("API_KEY",)),
    "scaleway": ("scaleway", ("PROJECT_ID", "SECRET_KEY")),
    "sendgrid": ("sendgrid", ("API_KEY",)),
    "sparkpost": ("sparkpost", ("API_KEY",)),
    "unisender_go": ("unisender_go", ("API_KEY",)),
}


def email_settings_from_url(url: str) -> dict[str, object]:
    """The Django email settings EMAIL_URL stands for; ImproperlyConfigured naming EMAIL_URL if unusable."""
    scheme = urlsplit(url).scheme if url else "outbox"
    if scheme == "outbox":
        return {"EMAIL_BACKEND": "leadline.core.outbox.OutboxBackend"}
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme in _SMTP_SCHEMES:
        parts = urlsplit(env_url("EMAIL_URL", "", schemes=_SMTP_SCHEMES, environ={"EMAIL_URL": url}))
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or {"smtp": 25, "smtp+tls": 587, "smtp+ssl": 465}[scheme],
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_TLS": scheme == "smtp+tls",
            "EMAIL_USE_SSL": scheme == "smtp+ssl",
            "EMAIL_TIMEOUT": 20,
        }
    service = scheme.removeprefix("anymail+")
    if not scheme.startswith("anymail+") or service not in _ANYMAIL_SERVICES:
        known = ", ".join(f"anymail+{name}://" for name in _ANYMAIL_SERVICES)
        raise ImproperlyConfigured(
            f"EMAIL_URL must start with smtp://, smtp+tls://, smtp+ssl://, console://, outbox:// or an "
            f"email service ({known}); got {scheme!r}."
        )
    module, credentials = _ANYMAIL_SERVICES[service]
    parts = urlsplit(url)
    given = [unquote(value) for value in (parts.username, parts.password) if value]
    if len(given) < len(credentials):
        needed = ":".join(credentials).lower()
        raise ImproperlyConfigured(
            f"EMAIL_URL for {service} must carry {needed}: anymail+{service}://{needed.upper()}@"
        )
    if service == "amazon_ses" and find_spec("boto3") is None:
        raise ImproperlyConfigured("EMAIL_URL names Amazon SES, which needs the boto3 package installed.")
    prefix = service.upper()
    anymail: dict[str, object] = {
        f"{prefix}_{name}": value for name, value in zip(credentials, given, strict=False)
    }
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if not key.replace("_", "").isalnum():
            raise ImproperlyConfigured(f"EMAIL_URL has a setting with a name anymail cannot have: {key!r}.")
        anymail[key.upper()] = value
    return {"EMAIL_BACKEND": f"anymail.backends.{module}.EmailBackend", "ANYMAIL": anymail}


EMAIL_URL = env_str("EMAIL_URL", "")
_email_settings = email_settings_from_url(EMAIL_URL)
EMAIL_BACKEND = str(_email_settings["EMAIL_BACKEND"])
if "EMAIL_HOST" in _email_settings:
    EMAIL_HOST = str(_email_settings["EMAIL_HOST"])
    EMAIL_PORT = int(str(_email_settings["EMAIL_PORT"]))
    EMAIL_HOST_USER = str(_email_settings["EMAIL_HOST_USER"])
    EMAIL_HOST_PASSWORD = str(_email_settings["EMAIL_HOST_PASSWORD"])
    EMAIL_USE_TLS = bool(_email_settings["EMAIL_USE_TLS"])
    EMAIL_USE_SSL = bool(_email_settings["EMAIL_USE_SSL"])
    EMAIL_TIMEOUT = int(str(_email_settings["EMAIL_TIMEOUT"]))
if "ANYMAIL" in _email_settings:
    ANYMAIL = _email_settings["ANYMAIL"]
DEFAULT_FROM_EMAIL = env_str("LEADLINE_FROM_EMAIL", "Leadline <leadline@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Bounces and mailto unsubscribes come back to <local>+<token>@LEADLINE_BOUNCE_DOMAIN (a VERP return
# path); the mailbox is read over IMAP when LEADLINE_BOUNCE_IMAP_URL is set
# (imap://user:pass@host:port/FOLDER or imaps://…). Without a domain, bounces arrive by webhook only.
LEADLINE_BOUNCE_DOMAIN = env_str("LEADLINE_BOUNCE_DOMAIN", "").strip().lower()
LEADLINE_BOUNCE_IMAP_URL = env_url("LEADLINE_BOUNCE_IMAP_URL", "", schemes=("imap", "imaps"))
# Messages per second per sending domain (0: as fast as the server takes them).
LEADLINE_SEND_RATE = env_int("LEADLINE_SEND_RATE", 0, minimum=0)
# The weekly digest of each team's numbers: the weekday and hour (workspace time) it is sent.
LEADLINE_DIGEST_DAY = env_choice(
    "LEADLINE_DIGEST_DAY",
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "monday",
)
LEADLINE_DIGEST_HOUR = env_int("LEADLINE_DIGEST_HOUR", 8, minimum=0, maximum=23)
# DNS servers for the sending-domain checks, e.g. "1.1.1.1,9.9.9.9" or "127.0.0.1:5353"; empty = the system's.
LEADLINE_DNS_NAMESERVERS = env_list("LEADLINE_DNS_NAMESERVERS", [])

# --- Accounts -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "leadline.accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_RATE_LIMITS = False if TESTING else {"login_failed": "10/m/ip,5/5m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Leadline"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = BASE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

# --- Static files, locale -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS: list[Path] = [BASE_DIR / "static"]  # app.css, app.js, icons and the vendored packages
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Request bodies past these sizes are refused with 413 instead of being read into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("LEADLINE_MAX_BODY_BYTES", 2_621_440, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
LEADLINE_IMPORT_MAX_BYTES = env_int("LEADLINE_IMPORT_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

LEADLINE_PAGE_SIZE = 50
LEADLINE_DEFAULT_PHONE_REGION = env_str("LEADLINE_DEFAULT_PHONE_REGION", "US").upper()
LEADLINE_SCHEDULER_TICK_SECONDS = env_int("LEADLINE_SCHEDULER_TICK_SECONDS", 15, minimum=1, maximum=3600)

LOG_LEVEL = env_choice("LEADLINE_LOG_LEVEL", ("debug", "info", "warning", "error"), "info").upper()
# The task worker raises its loggers to INFO and logs every task start and finish; below debug level
# those lines are dropped by a filter (a level would be overridden by the worker).
_task_lifecycle = {"filters": ["quiet_task_lifecycle"]} if LOG_LEVEL != "DEBUG" else {}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "quiet_task_lifecycle": {
            "()": "django.utils.log.CallbackFilter",
            "callback": lambda record: record.levelno >= 30,
        }
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.tasks": {"level": "WARNING", **_task_lifecycle},
        "django_tasks_db": {"level": "WARNING", **_task_lifecycle},
    },
}
