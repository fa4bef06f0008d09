"""Fault tests: a load killed halfway leaves the database exactly as before.

The load runs in a real subprocess against its own database (a SQLite file,
or a scratch PostgreSQL database when the suite runs on PostgreSQL) and is
killed with SIGKILL at several moments. Whatever the moment, the database
holds either the state before the load or the state after it, never a mix.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.slow
ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def scratch_database(tmp_path: Path):
    """A DATABASE_URL of an empty database of the same vendor as the suite's."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'fault.sqlite3'}"
        return
    import psycopg

    name = f"catalogue_fault_{uuid.uuid4().hex[:8]}"
    params = connection.settings_dict
    admin = f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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


def test_a_load_killed_at_any_moment_leaves_the_database_as_before_or_as_after(scratch_database):
    url = scratch_database
    run(url, "migrate", "--noinput", "-v0")
    run(url, "load_catalogue", "-v0")
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
