"""A newcomer's first hour: make run writes a development .env, says how to log in, and logs each line once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_make_writes_a_development_env_once(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    subprocess.run(["make", "-s", ".env"], cwd=tmp_path, check=True, capture_output=True)
    lines = (tmp_path / ".env").read_text(encoding="utf-8").splitlines()
    assert "DJANGO_DEBUG=1" in lines
    key = next(line.split("=", 1)[1] for line in lines if line.startswith("DJANGO_SECRET_KEY="))
    assert len(key) >= 50
    assert (tmp_path / ".env").stat().st_mode & 0o077 == 0  # the key is readable by its owner only
    subprocess.run(["make", "-s", ".env"], cwd=tmp_path, check=True, capture_output=True)
    assert (tmp_path / ".env").read_text(encoding="utf-8").splitlines() == lines  # an existing .env is kept


def test_make_run_prints_the_site_the_admin_and_how_to_create_the_first_admin():
    dry = subprocess.run(["make", "-n", "run"], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    before_server = dry.split("runserver")[0]
    assert "http://127.0.0.1:8000/" in before_server
    assert f"http://127.0.0.1:8000/{settings.ADMIN_URL}" in before_server
    assert "make admin" in before_server
    admin = subprocess.run(["make", "-n", "admin"], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    assert "manage.py createsuperuser" in admin


@pytest.mark.parametrize("debug", ["1", "0"])
def test_each_log_line_is_written_once(debug):
    code = "import logging, django; django.setup(); logging.getLogger('django.request').warning('marker-%s', 'once')"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "catalogue.settings",
        "DJANGO_DEBUG": debug,
        "DJANGO_SECRET_KEY": "log-test",
        "DJANGO_READ_DOT_ENV": "0",
    }
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert result.stderr.count("marker-once") == 1, result.stderr
