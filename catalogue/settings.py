"""Settings for the policy-practice catalogue.

Everything that differs between machines comes from the environment
(cookiecutter-django style); see ``.env.example`` for the full list. A
``.env`` file beside manage.py is read too, unless DJANGO_READ_DOT_ENV is
off (the test settings turn it off); the real environment always wins.
"""
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean variable: 1/true/yes/on (any case) mean True."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated variable into a list, dropping blanks."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


if env_bool("DJANGO_READ_DOT_ENV", True):
    # Fills in only what the environment does not set (override=False).
    load_dotenv(BASE_DIR / ".env", override=False)

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (see .env.example)."
        )
    # Debug only: a throwaway key so that `make run` works on a fresh machine.
    SECRET_KEY = "insecure-development-key-only-for-debug"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "csp",
    "axes",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "import_export",
    "simple_history",
    # Background jobs (large spreadsheet imports): Django's tasks API, backported for 5.2, with
    # its database backend; `manage.py db_worker` runs them (practices/import_jobs.py).
    "django_tasks",
    "django_tasks_db",
    "practices.apps.PracticesConfig",
]

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A confirmed import of more rows than this runs as a background job with a progress page
# instead of inside the request (about 5 s of work at the measured confirm rate).
IMPORT_BACKGROUND_ROWS = int(os.environ.get("DJANGO_IMPORT_BACKGROUND_ROWS", "5000"))

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages, exports, feeds and the API gzip-compressed when the client offers it (whitenoise
    # already serves static files precompressed). BREACH: Django masks the CSRF token per response.
    "django.middleware.gzip.GZipMiddleware",
    # A database that is unreachable, read-only, full or locked gives the 503 page (Retry-After), not a 500.
    # Near the top so that it also sees errors raised by the middlewares below (a session save).
    "practices.middleware.DatabaseUnavailableMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language is in the URL (/en/…); see practices/url_language.py.
    "practices.url_language.UrlLanguageMiddleware",
    # Anonymous GETs from the page cache (needs the language; before the views and CSRF).
    "practices.page_cache.PublicPageCacheMiddleware",
    "practices.admin.middleware.AdminChineseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Login protection (django-axes): an account is locked after repeated failed
# logins; staff with the right permission unlock it in the admin (访问尝试).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
# Lock one account at one address together: a colleague's typos neither lock
# your account from your desk, nor lock every account behind a shared address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "practices/locked_out.html"
# The lockout page with a Retry-After header (practices.admin.login_protection).
AXES_LOCKOUT_CALLABLE = "practices.admin.login_protection.lockout_response"
# The real client address behind N trusted reverse proxies (X-Forwarded-For,
# rightmost entries are the proxies' own); 0 = REMOTE_ADDR, the default
# without a proxy. Wrong here means every request shares one address.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "practices.admin.login_protection.client_ip_address"

ROOT_URLCONF = "catalogue.urls"
# The admin lives at a configurable path, so it is not where scanners look.
ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/").strip("/") + "/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "catalogue.wsgi.application"

# The embedded default is a SQLite file under var/ (git-ignored); production sets
# DATABASE_URL=postgres://… and gets psycopg 3.
DEFAULT_SQLITE = f"sqlite:///{BASE_DIR / 'var' / 'catalogue.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "") or DEFAULT_SQLITE,
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0" if DEBUG else "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A generous busy timeout so that the dev server and a concurrent
    # load_catalogue do not fail with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Write transactions take the lock when they begin (BEGIN IMMEDIATE): two
    # simultaneous saves queue on the busy timeout, and the later one sees the
    # version check's conflict message, instead of a deferred transaction that
    # fails to upgrade its read lock with "database is locked" (the 503 page).
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # A server that drops packets must give the 503 page within seconds, not hang the worker
    # (a DATABASE_URL's own ?connect_timeout= wins).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DJANGO_DB_CONNECT_TIMEOUT", "5")))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese first: simplified Chinese is the default, English the translation.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", "") or BASE_DIR / "var" / "static")
# whitenoise serves the static files itself: compressed, with content-hashed
# names (cacheable forever) once `collectstatic` has run. The manifest needs
# that collectstatic step, so it is on by default only when debug is off;
# the test suite runs against the plain storage (DJANGO_STATIC_MANIFEST=0)
# and a test checks the manifest build separately.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("DJANGO_STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security headers and cookies (the defaults are production's) ---------
# Behind a TLS-terminating proxy, set DJANGO_SECURE_PROXY_SSL_HEADER=1 so that
# Django trusts X-Forwarded-Proto; set DJANGO_SECURE_SSL_REDIRECT=0 when the
# proxy already redirects (or for `make serve` on plain http://127.0.0.1).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): only the project's own scripts and
# styles; no inline script anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Where the vendored sources, manifests and the exported fixture live.
FIXTURES_DIR = BASE_DIR / "fixtures"
SOURCES_DIR = FIXTURES_DIR / "sources"
MANIFESTS_DIR = FIXTURES_DIR / "manifests"
FIXTURE_DIRS = [FIXTURES_DIR]

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer",
                                 "rest_framework.renderers.BrowsableAPIRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The API is public and read-only: no credentials to check (and none for the schema to ask for).
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    # Every error an RFC 9457 problem document, in the response's language (practices/problems.py).
    "EXCEPTION_HANDLER": "practices.problems.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Policy-practice catalogue API",
    "DESCRIPTION": "Read-only open data: typical practices supporting private enterprise.",
    "VERSION": "1.0.0",
    # Two models have a "kind" choice set: name their enums instead of hashing them.
    "ENUM_NAME_OVERRIDES": {
        "MetricKindEnum": "practices.models.Metric.Kind",
        "SourceKindEnum": "practices.models.SourceDocument.Kind",
    },
    # The schema's truth beyond what the views declare: the error responses, enums of the values the
    # database holds (categories, cities, provinces, units), the lang parameter (practices/api_schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "practices.api_schema.postprocess_schema",
    ],
    # The schema documents the data API, not itself (the twelve read operations).
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ serves Swagger UI from drf-spectacular-sidecar's static files, not a CDN, so the site's
    # CSP (everything 'self') needs no exception for it.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# The import confirm step must survive several worker processes: keep the
# uploaded file in the database-backed cache rather than a process temp dir.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# Import and export need their own permissions (import_<model>, export_<model>; see the 编辑/审核 roles).
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
# Whole anonymous pages under the catalogue revision (practices/page_cache.py). A file cache by
# default: shared by the workers of one machine, with no server to run. Several machines share
# Redis instead (REDIS_URL, e.g. redis://127.0.0.1:6379/1). Pages of older revisions are
# unreachable (the key holds the revision) and simply expire. DJANGO_PAGE_CACHE=0 stores nothing:
# every request renders (how the benchmarks time a miss).
if not env_bool("DJANGO_PAGE_CACHE", True):
    PAGE_CACHE = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
elif os.environ.get("REDIS_URL"):
    PAGE_CACHE = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"],
                  "TIMEOUT": 3600}
else:
    PAGE_CACHE = {
        # Django's file cache, checking its size on one write in 100 rather than on every write.
        "BACKEND": "practices.cache_backends.OccasionalCullFileCache",
        "LOCATION": os.environ.get("DJANGO_PAGE_CACHE_DIR", "") or str(BASE_DIR / "var" / "page-cache"),
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 20000, "CULL_EVERY": 100},
    }
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        # Not "catalogue_cache": that is practices/catalogue_cache.py, an unrelated module with its own tables.
        "LOCATION": "django_cache",
    },
    # A background import's progress, written by the worker while its transaction is open (so not
    # in the database, which would hide it until the commit) and read by the progress page.
    "jobs": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    } if os.environ.get("REDIS_URL") else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("DJANGO_JOB_CACHE_DIR", "") or str(BASE_DIR / "var" / "job-progress"),
    },
    "pages": PAGE_CACHE,
    # Per process, each in its own memory, bounded by its entries' size; a write makes every entry
    # unreachable (the keys hold the catalogue revision). Rendered facet panels and the home matrix
    # (practices/fragments.py; up to ~20 kB each):
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
    # List rows, one per record and language (practices/fragments.py cached_rows; under 1 kB each).
    "rows": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "rows",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
    # What an anonymous request resolved for its revision: facet counts, the records its filters name
    # (practices/revision_memo.py; up to ~30 kB each at 100,000 practices).
    "memo": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "memo",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 300},
    },
}

# After a write, the busiest pages' figures are computed again in a background thread
# (practices/warming.py), so that the next visitor does not wait for them.
CATALOGUE_WARM_AFTER_WRITE = env_bool("DJANGO_WARM_AFTER_WRITE", True)

LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "WARNING")
# One handler, on the root logger: Django's default config also gives the
# "django" logger a console handler in debug, so every line of it would be
# written twice (once there, once again through root). "django.server"
# (runserver's request lines) keeps its own handler and does not propagate.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django": {"handlers": [], "level": LOG_LEVEL, "propagate": True}},
}
