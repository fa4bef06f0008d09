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

from .settings import *  # noqa: E402,F403
