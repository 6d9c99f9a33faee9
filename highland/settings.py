"""Settings read from the environment; `.env.example` lists every variable.

Profiles: `development` (the default, used by `make run` and the tests);
`production` (`HIGHLAND_PROFILE=production`), which refuses to start without every
secret in PRODUCTION_SECRETS and turns on every transport-security setting
`check --deploy` asks for; and `benchmark`, production's settings plus the bench-only
pages, for `make bench` on a machine of its own.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HIGHLAND_VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in (os.environ.get(name) or default).split(",") if item.strip()]


PROFILE = os.environ.get("HIGHLAND_PROFILE") or "development"
if PROFILE not in {"development", "production", "benchmark"}:
    raise ImproperlyConfigured(
        "HIGHLAND_PROFILE must be 'development', 'production' or 'benchmark'."
    )
# `benchmark` is production's settings on a machine of its own (`make bench`), plus the
# benchmark-only pages that the production profile refuses. Never a public server.
IS_PRODUCTION = PROFILE in {"production", "benchmark"}

DEBUG = env_bool("DEBUG", False)


# Every secret the production profile needs from the environment. Production refuses
# to start while any is missing; `check --deploy` (highland.core.checks) names them too.
PRODUCTION_SECRETS: tuple[str, ...] = ("SECRET_KEY", "PAYMENT_GATEWAY_SECRET")
# Text messages go to the log unless an SMS gateway is set; the gateway needs its secret.
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_BACKEND = os.environ.get("SMS_BACKEND") or ("http" if SMS_GATEWAY_URL else "log")
if SMS_BACKEND not in {"log", "http"}:
    raise ImproperlyConfigured("SMS_BACKEND must be 'log' or 'http'.")
if SMS_BACKEND == "http":
    PRODUCTION_SECRETS += ("SMS_GATEWAY_SECRET",)
if IS_PRODUCTION:
    _missing_secrets = [name for name in PRODUCTION_SECRETS if not os.environ.get(name)]
    if _missing_secrets:
        raise ImproperlyConfigured(
            "The production profile needs these secrets in the environment: "
            f"{', '.join(_missing_secrets)}."
        )


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    # Development keeps one random key per checkout so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if IS_PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "rules.apps.AutodiscoverRulesConfig",
    "ninja",
    "highland.core",
    "highland.network",
    "highland.catalog",
    "highland.ledger",
    "highland.orders",
    "highland.payments",
    "highland.messaging",
    "highland.coops",
    "highland.logistics",
    "highland.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "highland.web.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages gzipped (with Django's BREACH mitigation); whitenoise serves static files
    # already compressed. Phones on 2G pay for every byte.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Errors under /api/v1/ in the API's JSON shape, in the caller's language.
    "highland.api.ApiErrorsAsJson",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a login refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "highland.urls"
WSGI_APPLICATION = "highland.wsgi.application"

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
                "django.template.context_processors.i18n",
                "highland.web.context_processors.chrome",
                # After Django's CSRF processor: pages rendered for the page cache
                # carry a marker that each visitor's token replaces (core/pagecache.py).
                "highland.core.pagecache.csrf_marker",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "highland.sqlite3"),
            "OPTIONS": {
                # SQLite's busy handler lets a late writer overtake one that has
                # waited, and a deferred transaction that later writes fails with
                # "database is locked" instead of waiting. Taking the write lock at
                # BEGIN makes writers queue; WAL lets readers carry on meanwhile.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
            # A file, not memory: tests race real threads and a live server against it.
            # One file per process, so concurrent runs never share one.
            "TEST": {"NAME": str(VAR_DIR / f"test-highland-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses every login of a locked-out account or address (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes; highland/core/throttling.py). After LOGIN_FAILURE_LIMIT
# failed logins for one account, or from one address, within the lockout time, logins
# for it are refused until the lockout time has passed since the last failure or the
# county's operator unlocks the account (docs/deploy.md). The page and the admin both.
LOGIN_FAILURE_LIMIT = int(os.environ.get("HIGHLAND_LOGIN_FAILURE_LIMIT") or 10)
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("HIGHLAND_LOGIN_LOCKOUT_MINUTES") or 15)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# Each counted on its own: an account tried from many addresses, or an address trying
# many accounts.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success does not wipe the counts: wiping by address would let someone with one
# account of their own reset the count of every account they guess at.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "highland.core.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "highland.core.throttling.lockout_response"
# Its start-up banner would otherwise open the output of every management command.
AXES_VERBOSE = False
# Behind nginx, which appends the client's address to X-Forwarded-For (docs/deploy.md).
BEHIND_PROXY = env_bool("HIGHLAND_BEHIND_PROXY", IS_PRODUCTION)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- Languages ------------------------------------------------------------------
# Django ships no locale data for Tibetan; declare it so get_language_info works.
LANG_INFO.setdefault("bo", {"bidi": False, "code": "bo", "name": "Tibetan", "name_local": "བོད་ཡིག"})
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", _("Simplified Chinese")),
    ("bo", _("Tibetan")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    # Public uploads: product photos only, at MEDIA_URL (highland/web/media.py).
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Private uploads under PRIVATE_MEDIA_ROOT: evidence and consent photos, served only
    # through views that check permission (highland/core/storage.py).
    "private": {"BACKEND": "highland.core.storage.PrivateStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production whitenoise serves straight from the app folders, so a
# checkout works without collectstatic.
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
# The only folders of MEDIA_ROOT served at MEDIA_URL (highland/web/media.py, and nginx).
PUBLIC_MEDIA_PREFIXES = ("catalog/photos/", "catalog/thumbnails/")
# Never under MEDIA_ROOT, never served by nginx (docs/deploy.md).
PRIVATE_MEDIA_ROOT = VAR_DIR / "private"

# --- Background work ----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")

# The planner stops at its time limit; a number here also stops it after that many search
# iterations (the test suite sets one, so a busy machine plans the same days as an idle one).
PLANNER_MAX_ITERATIONS: int | None = (
    int(os.environ["PLANNER_MAX_ITERATIONS"]) if os.environ.get("PLANNER_MAX_ITERATIONS") else None
)

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# Without a broker, tasks run in-process at the call site.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "expire-payments": {"task": "payments.expire_payments", "schedule": 60.0},
    "settle-sellers": {"task": "orders.settle_sellers", "schedule": 24 * 60 * 60.0},
    "reconcile-gateway-payments": {
        "task": "payments.reconcile_gateway_payments",
        "schedule": 300.0,
    },
    "escalate-aftersales": {"task": "orders.escalate_aftersales", "schedule": 15 * 60.0},
    "close-group-buys": {"task": "orders.close_group_buys", "schedule": 300.0},
    "deliver-outbox": {"task": "core.deliver_due_outbox", "schedule": 60.0},
    # Idempotent per batch, so several runs a day pick up a report the gateway was late with.
    "import-gateway-settlements": {
        "task": "payments.import_gateway_settlements",
        "schedule": 6 * 60 * 60.0,
    },
    "warn-of-expiring-orders": {"task": "orders.warn_of_expiring_orders", "schedule": 15 * 60.0},
    # A planning run whose worker died (a restart mid-solve) is failed, never left running.
    "fail-stuck-planning-runs": {
        "task": "logistics.fail_stuck_planning_runs",
        "schedule": 5 * 60.0,
    },
    "delete-expired-idempotency-records": {
        "task": "core.delete_expired_idempotency_records",
        "schedule": 24 * 60 * 60.0,
    },
    "alert-silent-sensors": {"task": "logistics.alert_silent_sensors", "schedule": 60.0},
}

# Cold-chain telemetry: the MQTT broker `manage.py ingest_telemetry` subscribes to
# (docs/telemetry.md). The client id names the broker's persistent session: keep it fixed.
TELEMETRY_MQTT_HOST = os.environ.get("TELEMETRY_MQTT_HOST") or "127.0.0.1"
TELEMETRY_MQTT_PORT = int(os.environ.get("TELEMETRY_MQTT_PORT") or 1883)
TELEMETRY_MQTT_CLIENT_ID = os.environ.get("TELEMETRY_MQTT_CLIENT_ID") or "highland-telemetry"
TELEMETRY_MQTT_USERNAME = os.environ.get("TELEMETRY_MQTT_USERNAME", "")
TELEMETRY_MQTT_PASSWORD = os.environ.get("TELEMETRY_MQTT_PASSWORD", "")

CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Per process: each server worker keeps its own copy of the cached shop pages.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    }

# --- Security ----------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS") or 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
# The language choice is sent on links from other sites too (Lax), never on their posts.
LANGUAGE_COOKIE_SAMESITE = "Lax"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# The payment gateway. Development and tests use the project's own sandbox
# (`python -m highland.payments.sandbox`); production points this at the real one.
PAYMENT_GATEWAY_URL = os.environ.get("PAYMENT_GATEWAY_URL") or "http://127.0.0.1:8765"
PAYMENT_GATEWAY_MERCHANT = os.environ.get("PAYMENT_GATEWAY_MERCHANT") or "highland-demo"
# The sandbox's merchant secret, for development only: `check --deploy` refuses it.
DEVELOPMENT_GATEWAY_SECRET = "sandbox-secret-not-for-production"  # noqa: S105
PAYMENT_GATEWAY_SECRET = os.environ.get("PAYMENT_GATEWAY_SECRET") or (
    "" if IS_PRODUCTION else DEVELOPMENT_GATEWAY_SECRET
)
# The Content-Security-Policy of every response (highland/web/security.py). Pages carry
# no inline script or style (a test reads every template); forms post here, and the
# pay-online form is answered with a redirect to the gateway's pay page, which browsers
# check against form-action too.
_gateway = urlsplit(PAYMENT_GATEWAY_URL)
CONTENT_SECURITY_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'", f"{_gateway.scheme}://{_gateway.netloc}"],
    "frame-ancestors": ["'none'"],
}

# Where the gateway sends its notifications: this site's public address.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000"

# The SMS gateway: in development and tests the project's own sandbox
# (`python -m highland.messaging.sandbox`, which `make run` starts on port 8766).
SMS_GATEWAY_URL = SMS_GATEWAY_URL or "http://127.0.0.1:8766"
SMS_GATEWAY_ACCOUNT = os.environ.get("SMS_GATEWAY_ACCOUNT") or "highland-demo"
# The sandbox's secret, for development only: `check --deploy` refuses it.
DEVELOPMENT_SMS_SECRET = "sms-sandbox-secret-not-for-production"  # noqa: S105
SMS_GATEWAY_SECRET = os.environ.get("SMS_GATEWAY_SECRET") or (
    "" if IS_PRODUCTION else DEVELOPMENT_SMS_SECRET
)
# How many messages of a family one number may get per window (count, seconds).
SMS_RATE_LIMITS = {"code": (5, 60 * 60), "notice": (20, 60 * 60)}
# Unpaid orders get a text message this many hours before their hold runs out.
ORDER_EXPIRY_WARNING_HOURS = int(os.environ.get("ORDER_EXPIRY_WARNING_HOURS") or 3)

# API tokens for station devices: only a hash is stored.
API_TOKEN_PREFIX = "hl_"  # noqa: S105 - a prefix, not a secret

# Benchmark-only pages (the bare baseline page at /_bench/bare/); `make bench` turns
# them on for its own server. Off everywhere else.
BENCH_ENDPOINTS = env_bool("HIGHLAND_BENCH_ENDPOINTS", False)
if BENCH_ENDPOINTS and PROFILE == "production":
    raise ImproperlyConfigured(
        "HIGHLAND_BENCH_ENDPOINTS cannot be on in the production profile; "
        "`make bench` uses the benchmark profile."
    )

# Anonymous shop pages are served from the cache for this long at most (0: off). A
# catalogue change drops them at once; stock sold by checkouts shows within this time.
PAGE_CACHE_SECONDS = int(os.environ.get("HIGHLAND_PAGE_CACHE_SECONDS") or 10)
