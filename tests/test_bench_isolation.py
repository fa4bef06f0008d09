"""The public site does not depend on the benchmark tools (bench/): bench may import practices, never the reverse.

``catalogue.settings`` does not install the bench app; ``bench.settings`` and the test
settings do. A fresh interpreter with the public settings imports the URLconf, the WSGI
application and every module of ``practices`` and must end with no ``bench`` module loaded.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.apps import apps
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)

# Runs in the child: the public site's settings, everything of the site imported, then the
# bench modules that got loaded; then one bench module on purpose, to prove the probe sees it.
PROBE = """
import json, pkgutil, sys, importlib
import django
django.setup()
from django.apps import apps
import catalogue.urls, catalogue.wsgi, practices
imported = []
for module in pkgutil.walk_packages(practices.__path__, prefix="practices."):
    importlib.import_module(module.name)
    imported.append(module.name)

def bench_modules():
    return sorted(name for name in sys.modules if name == "bench" or name.startswith("bench."))

before = bench_modules()
installed = apps.is_installed("bench")
importlib.import_module("bench.docs")
print(json.dumps({"imported": imported, "bench_modules": before, "bench_installed": installed,
                  "control": bench_modules()}))
"""

# `import bench`, `from bench import …`, `from bench.x import …`, and importlib with a "bench…" string.
BENCH_IMPORT = re.compile(r"^\s*(?:import\s+bench\b|from\s+bench\b)|import_module\(\s*[\"']bench\b", re.M)


def test_the_public_site_loads_without_any_bench_module():
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env |= {"DJANGO_SETTINGS_MODULE": "catalogue.settings", "DJANGO_SECRET_KEY": "test-only-not-a-secret",
            "DJANGO_DEBUG": "0", "DATABASE_URL": ""}
    completed = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=BASE_DIR, capture_output=True, text=True,
                               timeout=300)
    assert completed.returncode == 0, completed.stderr
    probe = json.loads(completed.stdout.strip().splitlines()[-1])
    # The walk really covered the site: the models, views and search of practices.
    assert {"practices.models", "practices.views", "practices.search"} <= set(probe["imported"])
    assert probe["bench_installed"] is False
    assert probe["bench_modules"] == []
    # The probe does notice a bench module when one is loaded.
    assert "bench.docs" in probe["control"]


def test_no_file_of_the_public_site_imports_bench():
    offenders = []
    for folder in ("practices", "catalogue"):
        for path in sorted((BASE_DIR / folder).rglob("*.py")):
            relative = path.relative_to(BASE_DIR).as_posix()
            if relative == "catalogue/test_settings.py":
                continue
            if BENCH_IMPORT.search(path.read_text(encoding="utf-8")):
                offenders.append(relative)
    assert offenders == []
    # The pattern itself finds what it is meant to find.
    assert BENCH_IMPORT.search("from bench.synthetic import synthetic_generate")
    assert BENCH_IMPORT.search("    import bench")
    assert not BENCH_IMPORT.search("from benchmarks import x\nbench_url = 1")


def test_only_the_bench_and_test_settings_install_the_bench_app():
    public = (BASE_DIR / "catalogue" / "settings.py").read_text(encoding="utf-8")
    assert "bench" not in re.search(r"INSTALLED_APPS = \[(.*?)\]", public, re.S).group(1)
    # The suite runs with the bench app (its commands are tested), as `make bench` does.
    assert apps.is_installed("bench")
    assert apps.get_app_config("bench").verbose_name
    from bench import settings as bench_settings

    assert bench_settings.INSTALLED_APPS[-1] == "bench.apps.BenchConfig"
    assert "practices.apps.PracticesConfig" in bench_settings.INSTALLED_APPS
