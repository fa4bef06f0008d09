"""Fault tests: a load killed halfway leaves the database exactly as before.

The load runs in a real subprocess against its own database (a copy of the
session's loaded catalogue: a SQLite file, or a PostgreSQL database when the
suite runs on PostgreSQL; see tests/scratch.py) and is
killed with SIGKILL at several moments. Whatever the moment, the database
holds either the state before the load or the state after it, never a mix.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow
ROOT = Path(settings.BASE_DIR)


def manage(url: str, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SECRET_KEY": "fault-test", "DJANGO_DEBUG": "0"}
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def run(url: str, *args: str) -> str:
    proc = manage(url, *args)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    return out.decode()


SNAPSHOT = (
    "from practices.models import Practice, Metric, CaseReport;"
    "print(Practice.objects.count(), Metric.objects.count(), CaseReport.objects.count())"
)


def snapshot(url: str) -> str:
    return run(url, "shell", "-c", SNAPSHOT).strip().splitlines()[-1]


def test_a_load_killed_at_any_moment_leaves_the_database_as_before_or_as_after(scratch_catalogue):
    url = scratch_catalogue.url  # migrated and loaded (tests/scratch.py)
    after = snapshot(url)
    # Take away part of the catalogue so that the next load has work to do.
    run(url, "shell", "-c", "from practices.models import Practice, CaseReport;"
        "Practice.objects.filter(number__lte=40).delete(); CaseReport.objects.all().delete()")
    before = snapshot(url)
    assert before != after

    seen = set()
    for delay in (1.5, 2.5, 3.5):
        proc = manage(url, "load_catalogue", "-v0")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        state = snapshot(url)
        assert state in (before, after), f"partial load after SIGKILL at {delay}s: {state}"
        seen.add(state)
        if state == after:
            break
    # The kill must have interrupted at least one load, or the test proves nothing.
    assert before in seen
