"""Backup and restore: an exported fixture loaded into a fresh database reproduces the public API.

Everything runs in real subprocesses (``manage.py``) against scratch databases
of the suite's vendor (SQLite files, or scratch PostgreSQL databases when the
suite runs on PostgreSQL), as an operator would: migrate, load the catalogue,
export it; then migrate a second, empty database, ``loaddata`` the export and
rebuild the search index. The JSON bodies of the public API must be the same
bytes in both.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.slow
ROOT = Path(settings.BASE_DIR)

URLS = [
    "/api/practices/?page_size=100",
    "/api/practices/15/",
    "/api/case-reports/",
    "/api/metrics/?page_size=100",
]

# Run by ``manage.py shell -c``: writes {url: [status, body]} to $CAPTURE_OUTPUT.
CAPTURE = (
    "import json, os\n"
    "from django.test import Client\n"
    "client = Client()\n"
    "urls = json.loads(os.environ['CAPTURE_URLS'])\n"
    "out = {}\n"
    "for url in urls:\n"
    "    response = client.get(url)\n"
    "    out[url] = [response.status_code, response.content.decode('utf-8')]\n"
    "open(os.environ['CAPTURE_OUTPUT'], 'w', encoding='utf-8').write(json.dumps(out, ensure_ascii=False))\n"
)


@pytest.fixture(scope="module")
def scratch_databases(tmp_path_factory):
    """Two DATABASE_URLs of empty databases of the same vendor as the suite's."""
    if connection.vendor != "postgresql":
        tmp = tmp_path_factory.mktemp("restore")
        yield [f"sqlite:///{tmp / f'{name}.sqlite3'}" for name in ("original", "restored")]
        return
    import psycopg

    names = [f"catalogue_restore_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    params = connection.settings_dict
    admin = f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield [admin.rsplit("/", 1)[0] + f"/{name}" for name in names]
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(url: str, *args: str, **extra_env: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SECRET_KEY": "restore-test", "DJANGO_DEBUG": "0",
           "DJANGO_ALLOWED_HOSTS": "testserver", **extra_env}
    proc = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, timeout=600)
    assert proc.returncode == 0, f"manage.py {' '.join(args)} failed:\n{proc.stderr.decode()}"
    return proc.stdout.decode()


def capture(url: str, output: Path) -> dict[str, list]:
    run(url, "shell", "-c", CAPTURE, CAPTURE_URLS=json.dumps(URLS), CAPTURE_OUTPUT=str(output))
    return json.loads(output.read_text(encoding="utf-8"))


def first_difference(url: str, before: str, after: str) -> str:
    index = next((i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b),
                 min(len(before), len(after)))
    return (f"{url} differs after restore at character {index}:\n"
            f"  before: …{before[max(0, index - 300):index + 100]}…\n"
            f"  after:  …{after[max(0, index - 300):index + 100]}…")


@pytest.fixture(scope="module")
def captures(scratch_databases, tmp_path_factory) -> tuple[dict, dict]:
    """The API bodies of the loaded database, and of a fresh one restored from its export."""
    tmp = tmp_path_factory.mktemp("captures")
    original, restored = scratch_databases
    run(original, "migrate", "--noinput", "-v0")
    run(original, "load_catalogue", "-v0")
    before = capture(original, tmp / "before.json")
    backup = tmp / "backup.json"
    run(original, "export_catalogue", "--output", str(backup))
    assert backup.stat().st_size > 0

    run(restored, "migrate", "--noinput", "-v0")
    run(restored, "loaddata", str(backup), "-v0")
    run(restored, "rebuild_search_index", "-v0")
    after = capture(restored, tmp / "after.json")

    for url in URLS:
        status, body = before[url]
        assert status == 200, (url, body[:500])
        assert len(body) > 100, (url, body)  # the comparison is meaningful only with data
        assert after[url][0] == status, url
    payload = json.loads(before["/api/practices/?page_size=100"][1])
    assert payload["count"] == 72 and len(payload["results"]) == 72
    return before, after


# The fixture keeps datetimes to the millisecond (DjangoJSONEncoder): compare them at that precision.
MICROSECONDS = re.compile(r"(\.\d{3})\d{3}(?=[+-]\d\d:\d\d|Z)")


def without_metric_ids(data):
    """``data`` with the ``id`` of every metric object dropped (metrics have no natural key)."""
    if isinstance(data, list):
        return [without_metric_ids(item) for item in data]
    if isinstance(data, dict):
        is_metric = "raw" in data and "normalized_unit" in data
        return {key: without_metric_ids(value) for key, value in data.items() if not (is_metric and key == "id")}
    return data


def test_restore_reproduces_the_api_except_metric_ids_and_microseconds(captures):
    before, after = captures
    for url in URLS:
        old, new = (MICROSECONDS.sub(r"\1", json.dumps(without_metric_ids(json.loads(capture[url][1])),
                                                       ensure_ascii=False, sort_keys=True))
                    for capture in (before, after))
        assert new == old, first_difference(url, old, new)


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "known defects: (1) the API exposes Metric.id (practices/serializers.py EntryMetricSerializer, "
    "CaseReportMetricSerializer, MetricSerializer), an auto-increment key the natural-key fixture "
    "does not keep, so metric ids change after loaddata; (2) the fixture serialises datetimes to the "
    "millisecond (DjangoJSONEncoder), so CaseReport.published_at loses its microseconds"))
def test_restore_reproduces_the_api_byte_for_byte(captures):
    before, after = captures
    for url in URLS:
        assert after[url][1].encode() == before[url][1].encode(), first_difference(url, before[url][1], after[url][1])
