"""Backup and restore: an exported fixture loaded into a fresh database reproduces the public API.

Everything runs in real subprocesses (``manage.py``) against scratch databases
of the suite's vendor (SQLite files, or scratch PostgreSQL databases when the
suite runs on PostgreSQL; both copies of a migrated template that the session
builds once, see tests/scratch.py), as an operator would: load the catalogue,
export it; then ``loaddata`` the export into the second, empty database and
rebuild the search index. The JSON bodies of the public API must be the same
bytes in both.

The original database numbers its records from high, different values per
table, so its auto-increment ids differ from the restored database's: the
comparison proves the API shows no id the fixture does not keep.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow
ROOT = Path(settings.BASE_DIR)

URLS = [
    "/api/practices/?page_size=100",
    "/api/practices/15/",
    "/api/practices/?q=融资&page_size=100",  # ranked by relevance, after rebuild_search_index
    "/api/case-reports/?page_size=100",
    "/api/case-reports/?q=商会",
    "/api/metrics/?page_size=100",
    "/api/metrics/?sort=practice&page_size=100&page=2",
]

# Run by ``manage.py shell -c``: writes {"responses": {name: [status, body]}, "ids": {model: [id, …]}}
# to $CAPTURE_OUTPUT. Responses: URLS, and every published case report's detail, addressed by its
# natural key (source slug and position) and stored under it.
CAPTURE = textwrap.dedent("""\
    import json, os
    from django.test import Client
    from practices.fixture_export import FIXTURE_MODELS
    from practices.models import CaseReport
    client = Client()
    urls = {url: url for url in json.loads(os.environ['CAPTURE_URLS'])}
    for report in CaseReport.objects.published().select_related('source'):
        urls[f'case report {report.source.filename} #{report.position}'] = f'/api/case-reports/{report.source.slug}/{report.position}/'
    responses = {}
    for name, url in urls.items():
        response = client.get(url)
        responses[name] = [response.status_code, response.content.decode('utf-8')]
    ids = {model.__name__: sorted(model._default_manager.values_list('pk', flat=True))
           for model, _ in FIXTURE_MODELS}
    out = {'responses': responses, 'ids': ids}
    open(os.environ['CAPTURE_OUTPUT'], 'w', encoding='utf-8').write(json.dumps(out, ensure_ascii=False))
""")

# Run by ``manage.py shell -c`` on the original database before the load: each catalogue table
# numbers its records from its own high value, unlike the restored database (from 1 everywhere).
SHIFT_IDS = textwrap.dedent("""\
    from django.db import connection
    from practices.fixture_export import FIXTURE_MODELS
    with connection.cursor() as cursor:
        for index, (model, _) in enumerate(FIXTURE_MODELS, start=1):
            table, start = model._meta.db_table, 1000 * index + 7 * index
            if connection.vendor == 'postgresql':
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, start])
            else:
                cursor.execute('DELETE FROM sqlite_sequence WHERE name = %s', [table])
                cursor.execute('INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)', [table, start])
""")


@pytest.fixture(scope="module")
def scratch_databases(scratch_templates, tmp_path_factory):
    """Two DATABASE_URLs of migrated, empty databases of the suite's vendor (copies of a session template)."""
    tmp = tmp_path_factory.mktemp("restore")
    with scratch_templates.copy("migrated", tmp=tmp) as original, scratch_templates.copy("migrated", tmp=tmp) as restored:
        yield [original.url, restored.url]


def run(url: str, *args: str, **extra_env: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SECRET_KEY": "restore-test", "DJANGO_DEBUG": "0",
           "DJANGO_ALLOWED_HOSTS": "testserver", **extra_env}
    proc = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, timeout=600)
    assert proc.returncode == 0, f"manage.py {' '.join(args)} failed:\n{proc.stderr.decode()}"
    return proc.stdout.decode()


def capture(url: str, output: Path) -> dict[str, dict]:
    run(url, "shell", "-c", CAPTURE, CAPTURE_URLS=json.dumps(URLS), CAPTURE_OUTPUT=str(output))
    return json.loads(output.read_text(encoding="utf-8"))


def first_difference(url: str, before: str, after: str) -> str:
    index = next((i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b),
                 min(len(before), len(after)))
    return (f"{url} differs after restore at character {index}:\n"
            f"  before: …{before[max(0, index - 300):index + 100]}…\n"
            f"  after:  …{after[max(0, index - 300):index + 100]}…")


@pytest.fixture(scope="module")
def captures(scratch_databases, tmp_path_factory) -> tuple[dict, dict, Path]:
    """Captures of the loaded database and of a fresh one restored from its export; their exports' folder."""
    tmp = tmp_path_factory.mktemp("captures")
    original, restored = scratch_databases  # migrated, with the cache table
    run(original, "shell", "-c", SHIFT_IDS)
    run(original, "load_catalogue", "-v0")
    before = capture(original, tmp / "before.json")
    backup = tmp / "backup.json"
    run(original, "export_catalogue", "--output", str(backup))
    assert backup.stat().st_size > 0

    run(restored, "loaddata", str(backup), "-v0")
    run(restored, "rebuild_search_index", "-v0")
    after = capture(restored, tmp / "after.json")
    run(restored, "export_catalogue", "--output", str(tmp / "backup-of-restored.json"))

    responses = before["responses"]
    assert responses.keys() == after["responses"].keys()
    for url, (status, body) in responses.items():
        assert status == 200, (url, body[:500])
        assert len(body) > 100, (url, body)  # the comparison is meaningful only with data
        assert after["responses"][url][0] == status, url
    payload = json.loads(responses["/api/practices/?page_size=100"][1])
    assert payload["count"] == 72 and len(payload["results"]) == 72
    assert sum(name.startswith("case report ") for name in responses) == 14
    return before, after, tmp


def test_the_original_database_has_other_ids_than_the_restored_one(captures):
    """Guards the comparison: equal bodies prove that no shifted id is shown."""
    before, after, _ = captures
    assert before["ids"].keys() == after["ids"].keys()
    for model, ids in before["ids"].items():
        assert len(ids) == len(after["ids"][model]) > 0, model
        assert not set(ids) & set(after["ids"][model]), model
    assert len(before["ids"]["Metric"]) == 647  # 509 from practices, 138 from case reports (ratios and lengths since issue 13)


def test_the_export_of_the_restored_database_is_byte_identical(captures):
    _, _, tmp = captures
    assert (tmp / "backup-of-restored.json").read_bytes() == (tmp / "backup.json").read_bytes()


def test_restore_reproduces_the_api_byte_for_byte(captures):
    before, after = (capture["responses"] for capture in captures[:2])
    for url in before:
        assert after[url][1].encode() == before[url][1].encode(), first_difference(url, before[url][1], after[url][1])
