"""Django settings, driven by environment variables with safe embedded defaults.

Embedded default (no variables set): SQLite file under var/, Celery tasks run in-process (eager),
media on local disk, CPU. Production: DATABASE_URL (PostgreSQL via psycopg 3), REDIS_URL or
CELERY_BROKER_URL, and SECRET_KEY are required (LABELQC_ENV=production refuses to start without
a SECRET_KEY).
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LABELQC_VAR_DIR", BASE_DIR / "var"))

logger = logging.getLogger("labelqc.settings")


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    return [part.strip() for part in value.split(",") if part.strip()] or default


def env_count(name: str, default: int | None, minimum: int = 1) -> int | None:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < minimum:
        raise ImproperlyConfigured(
            f"{name} must be a whole number of at least {minimum}, got {value!r}"
        )
    return int(value)


def env_rate(name: str, default: str) -> str:
    """A DRF throttle rate ("120/min"), checked here rather than failing on the first request."""
    value = os.environ.get(name, "").strip() or default
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(
            f"{name} must be a rate like '120/min' (per s, min, hour or day), got {value!r}"
        )
    return value


LABELQC_ENV = os.environ.get("LABELQC_ENV", "embedded")
IS_PRODUCTION = LABELQC_ENV == "production"

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when LABELQC_ENV=production")
    SECRET_KEY = "labelqc-embedded-insecure-key-do-not-use-in-production"

DEBUG = env_bool("DEBUG", not IS_PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "apps.common",
    "apps.projects",
    "apps.items",
    "apps.annotations",
    "apps.audit",
    "apps.jobs",
    "apps.workflow",
    "apps.interop",
    "apps.analytics",
    "apps.demo",
    "apps.costs",
    "apps.dashboards",
    "apps.prelabel",
    "apps.active",
    "apps.intake",
]

MIDDLEWARE = [
    "apps.common.request_ids.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "configs.urls"
WSGI_APPLICATION = "configs.wsgi.application"

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
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Prepared statements: the queue's hot statements (apps.common.rows) bind parameters
        # server-side and are prepared after this many uses on a connection, so PostgreSQL stops
        # re-planning them. Django turns them off for transaction-mode poolers: behind one that
        # cannot keep prepared statements (PgBouncer < 1.21), set LABELQC_DB_PREPARE_THRESHOLD=off.
        threshold = os.environ.get("LABELQC_DB_PREPARE_THRESHOLD", "5").strip().lower()
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
            None if threshold in ("", "off", "none") else int(threshold)
        )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "labelqc.sqlite3",
            # SQLite serialises writers; waiting beats failing with "database is locked".
            # IMMEDIATE takes the write lock when a transaction starts, so two writers queue on
            # the timeout instead of one failing to upgrade its read lock; WAL lets pages read
            # while a background task writes.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("LABELQC_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("LABELQC_MEDIA_ROOT", VAR_DIR / "media"))
# Serve static files straight from the finders in the embedded mode (no collectstatic step).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "/admin/login/"

REST_FRAMEWORK = {
    # Token first: DRF answers an unauthenticated request with the first class's challenge, so
    # API clients get 401 + `WWW-Authenticate: Token` (session auth has no challenge -> 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.common.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "apps.common.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "apps.common.schema.ApiSchema",
    "EXCEPTION_HANDLER": "apps.common.exceptions.api_exception_handler",
    # Scoped throttles are set per view (`throttle_scope`); sign-in failures are counted apart
    # (apps.common.throttling). Behind a proxy, NUM_PROXIES makes the client's address count.
    "DEFAULT_THROTTLE_RATES": {"item_prompt": env_rate("LABELQC_THROTTLE_PROMPT", "120/min")},
    "NUM_PROXIES": env_count("LABELQC_NUM_PROXIES", None, minimum=0),
    "DEFAULT_PARSER_CLASSES": [
        "apps.common.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "labelqc API",
    "DESCRIPTION": "Quality control and active learning for computer-vision labeling.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI assets come from the installed sidecar package: no CDN (machines are offline).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One stable name per choice set: without these, fields named alike ("status", "kind",
    # "source") get hash-suffixed enums (Status933Enum) that generated clients would expose.
    # `<id:...>` routes (apps.common.ids) are integers in the schema, bounded like the ids.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}},
    "ENUM_NAME_OVERRIDES": {
        "AnnotationSourceEnum": "apps.annotations.models.Source",
        "GeometryTypeEnum": "apps.annotations.models.GeometryType",
        "CohortKindEnum": "apps.projects.models.CohortKind",
        "BatchKindEnum": "apps.intake.models.BatchKind",
        "BatchStatusEnum": "apps.intake.models.BatchStatus",
        "ScreeningDecisionEnum": "apps.intake.models.Decision",
        "RoundStatusEnum": "apps.active.models.RoundStatus",
        "ReportStatusEnum": "apps.jobs.models.ReportStatus",
        "RateUnitEnum": "apps.costs.models.RateUnit",
        "QualificationEnum": "apps.projects.models.Qualification",
        "QualificationDecisionEnum": "apps.projects.models.QUALIFICATION_DECISIONS",
    },
}

# Uploads: bound request bodies and decoded pixels (decompression bombs).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("LABELQC_MAX_REQUEST_BYTES", 64 * 1024 * 1024))
FILE_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
LABELQC_MAX_IMAGE_PIXELS = int(os.environ.get("LABELQC_MAX_IMAGE_PIXELS", 100_000_000))
LABELQC_MAX_UPLOAD_BYTES = int(os.environ.get("LABELQC_MAX_UPLOAD_BYTES", 200 * 1024 * 1024))
LABELQC_MAX_BULK_ANNOTATIONS = int(os.environ.get("LABELQC_MAX_BULK_ANNOTATIONS", 50_000))
LABELQC_MAX_IMPORT_BYTES = int(os.environ.get("LABELQC_MAX_IMPORT_BYTES", 512 * 1024 * 1024))
LABELQC_JOB_FILE_RETENTION_DAYS = env_count("LABELQC_JOB_FILE_RETENTION_DAYS", 7)

# Celery: no broker configured means tasks run in-process (eager).
REDIS_URL = os.environ.get("REDIS_URL", "")

# The cache holds computed page sections, per-annotator rule facts and the throttles' counters:
# shared by every process through Redis when configured, else per process (the embedded
# default's single process). A Redis database of its own keeps it apart from the broker's keys.
LABELQC_CACHE_URL = os.environ.get("LABELQC_CACHE_URL", "").strip() or REDIS_URL
CACHES = {
    "default": (
        {
            "BACKEND": "apps.common.cache.TolerantRedisCache",
            "LOCATION": LABELQC_CACHE_URL,
            "KEY_PREFIX": "labelqc",
            # A Redis that stopped answering costs a request seconds, not a worker's timeout.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
        if LABELQC_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "labelqc"}
    )
}
LABELQC_TOKEN_MAX_AGE_DAYS = env_count("LABELQC_TOKEN_MAX_AGE_DAYS", 30)
LABELQC_SIGNIN_FAILURES = env_count("LABELQC_SIGNIN_FAILURES", 10)
LABELQC_SIGNIN_WINDOW_SECONDS = env_count("LABELQC_SIGNIN_WINDOW_SECONDS", 600)
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Without a broker: "inline" runs a task inside the call that dispatches it; "thread" (bin/demo's
# server) runs tasks one at a time on a background thread, so starting a job answers at once.
LABELQC_INPROCESS_TASKS = os.environ.get("LABELQC_INPROCESS_TASKS", "inline").strip().lower()
if LABELQC_INPROCESS_TASKS not in {"inline", "thread"}:
    raise ImproperlyConfigured(
        f"LABELQC_INPROCESS_TASKS must be 'inline' or 'thread', got {LABELQC_INPROCESS_TASKS!r}"
    )

# SAM 2 / ML.
LABELQC_SAM2_CHECKPOINT = os.environ.get("LABELQC_SAM2_CHECKPOINT", "")
LABELQC_SAM2_MODEL = os.environ.get("LABELQC_SAM2_MODEL", "t")
LABELQC_DEVICE = os.environ.get("LABELQC_DEVICE", "auto")
LABELQC_EMBEDDING_CACHE_DIR = Path(
    os.environ.get("LABELQC_EMBEDDING_CACHE_DIR", VAR_DIR / "embeddings")
)
LABELQC_EMBEDDING_CACHE_BYTES = int(
    os.environ.get("LABELQC_EMBEDDING_CACHE_BYTES", 2 * 1024 * 1024 * 1024)
)
LABELQC_WEBHOOK_ALLOW_PRIVATE = env_bool("LABELQC_WEBHOOK_ALLOW_PRIVATE", False)

LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain").strip().lower()
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'plain' or 'json', got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"()": "apps.common.request_ids.PlainFormatter"},
        "json": {"()": "apps.common.request_ids.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
