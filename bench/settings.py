"""Settings for the benchmark tools: the public site's settings plus the bench app.

``catalogue.settings`` leaves the bench app out, so ``manage.py benchmark``,
``loadtest`` and ``generate_synthetic`` exist only with
``DJANGO_SETTINGS_MODULE=bench.settings`` (the Makefile's ``bench`` and
``loadtest`` targets set it). Everything else is the public site's, so what is
measured is what is deployed.
"""
from catalogue.settings import *  # noqa: F403
from catalogue.settings import INSTALLED_APPS as PUBLIC_APPS

INSTALLED_APPS = [*PUBLIC_APPS, "bench.apps.BenchConfig"]
