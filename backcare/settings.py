"""Settings for backcare, read from environment variables.

Every variable is optional in development. A value that cannot be parsed stops
start-up with a message naming the variable, rather than falling back silently.
"""

import os
import re
import zoneinfo
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from backcare.core.headers import static_headers

# Lets Django's generic classes be subscripted at run time (`admin.ModelAdmin[Remedy]`),
# as mypy --strict asks them to be written.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str, *, allow_empty: bool = False) -> str:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip()
    if not value and not allow_empty:
        raise ImproperlyConfigured(f"{name} is set but empty: unset it or give it a value")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no), not {raw!r}")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(
            f"{name} must be one of {', '.join(sorted(choices))}, not {value!r}"
        )
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# Public on purpose: refused below unless DEBUG is on.
DEVELOPMENT_SECRET_KEY = "django-insecure-backcare-development-only-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is the development key but DEBUG is off: set SECRET_KEY to a long random "
        "value (python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])

INSTALLED_APPS = [
    "backcare.editorial.apps.BackcareAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_htmx",
    "simple_history",
    "axes",
    "backcare.core",
    "backcare.contentfiles",
    "backcare.articles",
    "backcare.triage",
    "backcare.offline",
    "backcare.governance",
    "backcare.editorial",
]

MIDDLEWARE = [
    # First: forget forwarded headers that did not come from our proxy.
    "backcare.core.middleware.RequestGateMiddleware",
    "backcare.core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Refuses TRACE, OPTIONS and big bodies from the headers, before anything reads them.
    "backcare.core.middleware.RequestBodyLimitMiddleware",
    "backcare.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "backcare.core.pagecache.PublicPageCacheMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before sessions: a refused log-in attempt costs no query and no password hash.
    "backcare.editorial.login_throttle.LoginThrottleMiddleware",
    "backcare.core.session_store.refuse_malformed_session_keys",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "backcare.editorial.middleware.StaffIdleTimeoutMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lock-out into its response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a login while the user name or address is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "backcare.urls"
WSGI_APPLICATION = "backcare.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "backcare.core.context_processors.site",
            ],
        },
    },
]

try:
    DATABASES = {
        "default": dj_database_url.config(
            default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
            conn_max_age=env_int("BACKCARE_DB_CONN_MAX_AGE", 600),
            # A check costs a round trip on every request. Without it, after a database
            # restart each worker answers one request with the 503 page, then reconnects.
            conn_health_checks=env_bool("BACKCARE_DB_HEALTH_CHECKS", False),
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL cannot be used: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        # Wait for a lock instead of failing at once when two requests write together;
        # IMMEDIATE takes the write lock at the start of a transaction, so the wait
        # happens there (Django's advice) rather than failing half-way through.
        timeout=20,
        transaction_mode="IMMEDIATE",
        # Write-ahead logging: readers and a writer no longer block each other (every
        # answer writes a session while other workers read theirs).
        # secure_delete: a cleared session's answers are overwritten in the file, not
        # left in free pages.
        init_command="PRAGMA journal_mode=WAL; PRAGMA secure_delete=ON;",
    )

# Redis, when given, holds the cache (the published symptom checker included) and a copy
# of each session, so every app instance sees the same state. Without it, the cache is
# per process and sessions live in the database only.
REDIS_URL = env_str("REDIS_URL", "", allow_empty=True)
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"REDIS_URL must start with redis://, rediss:// or unix://, not {REDIS_URL!r}"
        )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "backcare",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Database sessions: with Redis, Django's cached_db store (read from Redis); without,
# Django's db store with a cheaper read (see docs/performance-shortcuts.md).
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if REDIS_URL else "backcare.core.session_store"
)
# Rendered public pages, in each process's own memory: they are keyed on the content
# version, read from the database, so no process can serve a page older than a publish.
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "backcare-pages",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}
# What is the same for everyone, in each process's own memory: the layout's links and
# the checker's unanswered steps (triage.views.unanswered_step). Never anything a visitor
# typed or chose.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "backcare-fragments",
    "OPTIONS": {"MAX_ENTRIES": 1000},
}

# The admin, for editors and clinical reviewers.
BACKCARE_ADMIN_PATH = env_str("BACKCARE_ADMIN_PATH", "admin/").strip("/") + "/"
# Staff are logged out after this long without a request.
BACKCARE_STAFF_IDLE_SECONDS = env_int("BACKCARE_STAFF_IDLE_SECONDS", 30 * 60, minimum=60)
# Publishing sets the next review this many days ahead.
BACKCARE_REVIEW_EVERY_DAYS = env_int("BACKCARE_REVIEW_EVERY_DAYS", 365, minimum=1)
LOGIN_URL = "admin:login"
# Where a log-in without a `next` goes (Django's default, /accounts/profile/, is a 404).
LOGIN_REDIRECT_URL = "admin:index"

# Log-in attempts (any outcome) allowed per minute, before any password is hashed: from
# one address, and from all addresses together (admin logins are rare; a flood must not
# take the workers from the public site). See backcare.editorial.login_throttle.
BACKCARE_LOGIN_ATTEMPTS_PER_ADDRESS = env_int("BACKCARE_LOGIN_ATTEMPTS_PER_ADDRESS", 10, minimum=1)
BACKCARE_LOGIN_ATTEMPTS_TOTAL = env_int("BACKCARE_LOGIN_ATTEMPTS_TOTAL", 20, minimum=1)
# Log-ins checked at the same time (each hash takes about a second of one core).
BACKCARE_LOGIN_CONCURRENT = env_int("BACKCARE_LOGIN_CONCURRENT", 1, minimum=1)
# Lock-out (django-axes): an address is locked after this many failures, whatever user
# names it tried, so it cannot try a few passwords on every user name.
AXES_FAILURE_LIMIT = env_int("BACKCARE_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("BACKCARE_LOGIN_LOCKOUT_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "editorial/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Behind the proxy every request comes from 127.0.0.1: throttle by the real address.
AXES_CLIENT_IP_CALLABLE = "backcare.core.http.client_ip"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("BACKCARE_TIME_ZONE", "Europe/London")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"BACKCARE_TIME_ZONE must be a time zone such as Europe/London, not {TIME_ZONE!r}"
    ) from None
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Where `manage.py load_content` reads from.
BACKCARE_CONTENT_DIR = Path(env_str("BACKCARE_CONTENT_DIR", str(BASE_DIR / "content")))
# Shown in the header and page titles.
BACKCARE_SITE_NAME = env_str("BACKCARE_SITE_NAME", "backcare")
# The public address, e.g. https://backcare.example.org, for canonical links.
# Empty: taken from each request.
BACKCARE_SITE_URL = env_str("BACKCARE_SITE_URL", "", allow_empty=True).rstrip("/")
if BACKCARE_SITE_URL and not BACKCARE_SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        f"BACKCARE_SITE_URL must start with https:// (or http://), not {BACKCARE_SITE_URL!r}"
    )
# Local words for getting help. Content writes {emergency_number} and {urgent_service}.
BACKCARE_EMERGENCY_NUMBER = env_str("BACKCARE_EMERGENCY_NUMBER", "999")
BACKCARE_URGENT_SERVICE = env_str("BACKCARE_URGENT_SERVICE", "NHS 111")
# Where the public may report a problem with the site (shown on "About this site").
BACKCARE_CONTACT_EMAIL = env_str("BACKCARE_CONTACT_EMAIL", "", allow_empty=True)
# The urgent service's phone number, for the urgent outcome's call button (tel: link).
BACKCARE_URGENT_NUMBER = env_str("BACKCARE_URGENT_NUMBER", "111")
for _name, _number in (
    ("BACKCARE_EMERGENCY_NUMBER", BACKCARE_EMERGENCY_NUMBER),
    ("BACKCARE_URGENT_NUMBER", BACKCARE_URGENT_NUMBER),
):
    if not re.fullmatch(r"\+?[0-9][0-9 ]*", _number):
        raise ImproperlyConfigured(f"{_name} must be a phone number (digits), not {_number!r}")
# How long the published symptom checker flow may be served from the cache. Publishing
# clears it at once where the cache is shared (Redis); other processes catch up within this.
BACKCARE_FLOW_CACHE_SECONDS = env_int("BACKCARE_FLOW_CACHE_SECONDS", 30, minimum=1)
# A form post bigger than this is refused with a 400 (content bodies are a few KB).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("BACKCARE_MAX_POST_BYTES", 128 * 1024, minimum=16 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
# Bigger bodies are refused from their Content-Length (core.middleware); no form takes a
# file, so a file part is refused (400) rather than streamed to disk.
FILE_UPLOAD_HANDLERS = ["backcare.core.uploads.RefuseFileUploads"]
# Messages ride in a cookie, so the session holds nothing but symptom checker answers.
# (Named __Host-messages over HTTPS, like the session and CSRF cookies.)
MESSAGE_STORAGE = "backcare.core.messages.HostCookieStorage"
# Public pages are cached whole until content changes (publishing clears them at once).
BACKCARE_PAGE_CACHE_SECONDS = env_int("BACKCARE_PAGE_CACHE_SECONDS", 600, minimum=0)
# Symptom checker answers are deleted this long after the last answer.
SESSION_COOKIE_AGE = env_int("BACKCARE_SESSION_SECONDS", 60 * 60, minimum=60)
# Anonymous counts of where symptom checks end (docs/governance.md). Off: nothing counted.
BACKCARE_COUNT_CHECKS = env_bool("BACKCARE_COUNT_CHECKS", True)
# "Was this page useful?" answers are deleted this many days after they were given
# (by `manage.py delete_old_feedback`, which operators schedule daily).
BACKCARE_FEEDBACK_DAYS = env_int("BACKCARE_FEEDBACK_DAYS", 180, minimum=1)
# At most this many feedback posts from one address in BACKCARE_FEEDBACK_WINDOW_SECONDS.
BACKCARE_FEEDBACK_LIMIT = env_int("BACKCARE_FEEDBACK_LIMIT", 10, minimum=1)
BACKCARE_FEEDBACK_WINDOW_SECONDS = env_int("BACKCARE_FEEDBACK_WINDOW_SECONDS", 3600, minimum=1)

# Strict policy: nothing from other hosts, no inline code without a nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
# whitenoise answers before the CSP and frame-options middleware: give static files
# those headers itself (a locked-down CSP: nothing in a static file may run or load).
WHITENOISE_ADD_HEADERS_FUNCTION = static_headers
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Powerful browser features the site never uses, switched off for every page.
BACKCARE_PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), "
    "browsing-topics=()"
)

# HTTPS: on by default in production. Off only for trying production mode on a laptop
# over plain http (`make serve`); never behind a real address.
BACKCARE_HTTPS = env_bool("BACKCARE_HTTPS", not DEBUG)
BACKCARE_BEHIND_PROXY = env_bool("BACKCARE_BEHIND_PROXY", False)
# Addresses of the proxy in front; only from these are X-Forwarded-* headers believed.
BACKCARE_PROXY_IPS = env_list("BACKCARE_PROXY_IPS", ["127.0.0.1", "::1"])
if BACKCARE_BEHIND_PROXY:
    # The proxy in front (nginx) terminates TLS and says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = BACKCARE_HTTPS
# Load balancers ask for the health check over plain http on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("BACKCARE_HSTS_SECONDS", 63072000 if BACKCARE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = BACKCARE_HTTPS
SECURE_HSTS_PRELOAD = BACKCARE_HTTPS
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = BACKCARE_HTTPS
# __Host- cookies are only ever sent over HTTPS, to this host, for the whole site.
SESSION_COOKIE_NAME = "__Host-session" if BACKCARE_HTTPS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if BACKCARE_HTTPS else "csrftoken"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # forms carry the token; no script needs the cookie
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "backcare.core.views.csrf_failure"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"without_traceback": {"()": "backcare.core.logfilters.WithoutTraceback"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "client_errors": {
            "class": "logging.StreamHandler",
            "filters": ["without_traceback"],
        },
    },
    "loggers": {
        # Bad Host headers, oversized bodies and the like: one line each, no traceback.
        "django.security": {"handlers": ["client_errors"], "propagate": False},
    },
    "root": {
        "handlers": ["console"],
        "level": env_choice(
            "BACKCARE_LOG_LEVEL", "WARNING", {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
        ),
    },
}
