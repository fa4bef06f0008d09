"""Settings for the test suite: production settings with test-only defaults.

The suite runs with DJANGO_DEBUG off, i.e. production's settings, except:
no HTTPS redirect (the test client and live_server speak plain HTTP) and the
plain static storage (the hashed manifest needs `collectstatic`, which a
dedicated test runs). Explicit environment variables still win.
"""
import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-a-secret")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_STATIC_MANIFEST", "0")
# A developer's .env (make run writes one) must not change what the suite tests.
os.environ.setdefault("DJANGO_READ_DOT_ENV", "0")

from .settings import *  # noqa: F403

# Django's default PBKDF2 costs ~0.45 s per user created; about 120 tests create
# users. MD5 is fine for throwaway test accounts and never used outside the suite.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The benchmark tools (bench/) are tested too; the public settings leave them out.
INSTALLED_APPS = [*INSTALLED_APPS, "bench.apps.BenchConfig"]  # noqa: F405

# The page cache (practices/page_cache.py) stores nothing in the suite, so that every request reaches
# its view and query counts measure the view; tests/test_page_cache.py switches a real one on.
CACHES = {**CACHES, "pages": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},  # noqa: F405
          # The tests run the import worker in their own process (practices/import_jobs.py).
          "jobs": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "import-jobs"}}

# No background warming after writes (practices/warming.py): its thread would race the test's
# transaction; tests/test_warming.py runs the warm and the scheduling directly.
CATALOGUE_WARM_AFTER_WRITE = False
