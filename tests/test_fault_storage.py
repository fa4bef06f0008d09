"""Fault tests: a full disk, a read-only, locked or unreachable database gives an error page, not corruption.

Each scenario really produces the condition against a scratch copy of the
loaded catalogue (a SQLite file, or a PostgreSQL database made from a
template when the suite runs on PostgreSQL; see tests/scratch.py):

* SQLite read-only: the file opened with the URI ``mode=ro`` (SQLite enforces
  it even for root, unlike a chmod);
* SQLite full: ``PRAGMA max_page_count`` pinned to the file's size after a
  VACUUM, so that any write needing a page fails with SQLITE_FULL ("database
  or disk is full"), exactly as on a full disk;
* SQLite locked: another connection holds the write lock (BEGIN IMMEDIATE);
* PostgreSQL read-only: ``ALTER DATABASE … SET default_transaction_read_only``
  ("cannot execute UPDATE in a read-only transaction", as on a standby);
* unreachable: a PostgreSQL DATABASE_URL pointing at a closed port (in both
  halves: it needs no server), and on SQLite a file whose directory is gone.

The server side runs in-process: the test client talks to the whole
middleware stack while ``connections["default"]`` is swapped for a
connection to the scratch database, configured as the fault requires. The
database is compared before and after through a separate driver connection:
every row of every table (SQLite: also the file's bytes; PostgreSQL: also the
sequences). A control edit with the fault lifted proves that the refused
edit was a real write.
"""
from __future__ import annotations

import hashlib
import logging
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, connections
from django.db.utils import load_backend
from django.http import HttpResponse
from django.test import Client
from django.urls import path, reverse

from tests import scratch as scratch_db
from tests.scratch import EDITOR, Scratch, database_settings

pytestmark = pytest.mark.slow
ROOT = Path(settings.BASE_DIR)
VENDOR = connection.vendor  # the suite's database (no query)
PRACTICE = 15
PUBLIC_PAGES = ["/", "/practices/", f"/practices/{PRACTICE}/", "/practices/?q=%E8%9E%8D%E8%B5%84", "/metrics/",
                "/case-reports/", "/about/", "/cities/qingdao/"]
# A long entry text: stored in overflow pages, so that the edit needs new pages (the full-disk case).
LONG_TEXT = "存储故障测试：这段文字很长，保存时需要新的数据库页。" * 600
NEW_NAME = "存储故障测试后的名称"
# What the public must never see of an exception (it is only logged).
LEAK_MARKERS = ["Traceback", "OperationalError", "InternalError", "DatabaseError", "readonly", "read-only",
                "disk is full", "locked", "refused", "sqlite", "psycopg", "SELECT", "UPDATE", "INSERT", "127.0.0.1"]
SCRATCH_TIMEOUT = 2  # seconds SQLite waits for a lock in these tests (production: 20, see catalogue/settings.py)


def crash(request):
    raise RuntimeError("probe <b>secret</b> detail")


def integrity(request):
    raise IntegrityError("UNIQUE constraint failed: probe.secret")


def session_write(request):
    # Only marks the session: SessionMiddleware writes it after the view, in a middleware.
    request.session["probe"] = "x"
    return HttpResponse("ok")


def _probe_urls():
    from catalogue.urls import urlpatterns as site

    return [path("fault-probe/crash/", crash), path("fault-probe/integrity/", integrity),
            path("fault-probe/session/", session_write), *site]


# The urlconf of the tests marked ``urls(__name__)``: the site plus three probe views.
urlpatterns = _probe_urls()


# --------------------------------------------------------------------------- scratch databases


def postgres_admin_url() -> str:
    return scratch_db.postgres_admin_url(connection.settings_dict)


def postgres_execute(sql: str) -> None:
    scratch_db.postgres_execute(postgres_admin_url(), sql)


@pytest.fixture
def scratch(scratch_catalogue: Scratch) -> Scratch:
    """A fresh copy of the session's loaded catalogue (with an editor, compacted) for one test."""
    return scratch_catalogue


@pytest.fixture
def database_access(django_db_blocker):
    """Database access without the suite's test database: every query goes where ``serving`` points."""
    with django_db_blocker.unblock():
        yield


@contextmanager
def serving(entry: dict) -> Iterator[None]:
    """Serve requests (and ORM calls) of this thread from the database ``entry`` describes."""
    configured = connections.configure_settings({"default": dict(entry)})["default"]
    wrapper = load_backend(configured["ENGINE"]).DatabaseWrapper(configured, "default")
    original = connections["default"]
    connections["default"] = wrapper
    try:
        yield
    finally:
        wrapper.close()
        connections["default"] = original


# --------------------------------------------------------------------------- snapshots


def _digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()


def snapshot(scratch: Scratch) -> dict:
    """Every row of every table (as row count and SHA-256), read through a separate driver connection."""
    if scratch.vendor == "sqlite":
        conn = sqlite3.connect(f"file:{scratch.path}?mode=ro", uri=True)
        try:
            tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")]
            rows = {t: [repr(r) for r in conn.execute(f'SELECT * FROM "{t}"')] for t in tables}
        finally:
            conn.close()
        return {"tables": {t: (len(r), _digest(r)) for t, r in rows.items()},
                "file_sha256": hashlib.sha256(scratch.path.read_bytes()).hexdigest()}
    import psycopg

    with psycopg.connect(scratch.url) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        rows = {t: [row[0] for row in conn.execute(f'SELECT t::text FROM "{t}" AS t')] for t in tables}
        sequences = conn.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1").fetchall()
    return {"tables": {t: (len(r), _digest(r)) for t, r in rows.items()}, "sequences": sequences}


def assert_same(before: dict, after: dict) -> None:
    changed = sorted(t for t in before["tables"] if before["tables"][t] != after["tables"].get(t))
    assert not changed, f"tables changed: {changed}"
    assert after == before


def leftover_journals(scratch: Scratch) -> list[str]:
    if scratch.vendor != "sqlite":
        return []
    return [p.name for p in scratch.path.parent.glob(scratch.path.name + "-*")]


# --------------------------------------------------------------------------- the staff edit


def practice_form_data(**changes) -> dict:
    """The POST data of the practice change form (entries inline included), read from the served database."""
    from practices.models import Practice

    practice = Practice.objects.get(number=PRACTICE)
    entries = list(practice.entries.order_by("position"))
    data = {
        "name": practice.name, "category": practice.category_id, "expected_version": practice.version,
        "entries-TOTAL_FORMS": len(entries), "entries-INITIAL_FORMS": len(entries),
        "entries-MIN_NUM_FORMS": 0, "entries-MAX_NUM_FORMS": 1000, "_save": "保存",
    }
    for index, entry in enumerate(entries):
        data |= {
            f"entries-{index}-id": entry.pk, f"entries-{index}-practice": practice.pk,
            f"entries-{index}-position": entry.position, f"entries-{index}-city": entry.city_id,
            f"entries-{index}-text": entry.text, f"entries-{index}-expected_version": entry.version,
        }
    return data | changes


def change_url() -> str:
    from practices.models import Practice

    return reverse("admin:practices_practice_change", args=[Practice.objects.get(number=PRACTICE).pk])


def assert_503_page(response) -> None:
    body = response.content.decode()
    assert response.status_code == 503, body[:2000]
    assert response["Retry-After"] == "60"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>服务暂时不可用</h1>" in body and 'lang="zh-Hans"' in body
    assert "请在 60 秒后重试。" in body
    assert "<script" not in body and " style=" not in body
    assert "script-src 'self'" in response["Content-Security-Policy"]
    leaked = [marker for marker in LEAK_MARKERS if marker.lower() in body.lower()]
    assert not leaked, leaked


# --------------------------------------------------------------------------- the faults


@dataclass
class Fault:
    """How to break the database: ``prepare`` runs before the snapshot, ``active`` yields the server's settings."""

    name: str
    vendor: str
    active: Callable[[Scratch], AbstractContextManager[dict]]
    prepare: Callable[[Scratch], None] = lambda scratch: None
    public_status: int = 200  # what the public pages answer while the fault lasts
    error: str = ""  # the driver's message, as logged


@contextmanager
def sqlite_read_only(scratch: Scratch):
    yield database_settings(f"sqlite:///{scratch.path}") | {"NAME": f"file:{scratch.path}?mode=ro"}


@contextmanager
def sqlite_full(scratch: Scratch):
    # max_page_count cannot go below the current size: "1" pins the file to the pages it has.
    yield scratch.settings(init_command="PRAGMA max_page_count = 1")


def sqlite_check_compact(scratch: Scratch) -> None:
    with closing(sqlite3.connect(f"file:{scratch.path}?mode=ro", uri=True)) as conn:
        assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0, "free pages would absorb the write"


@contextmanager
def sqlite_locked(scratch: Scratch):
    holder = sqlite3.connect(scratch.path, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, as a long write in another process holds it
    try:
        yield scratch.settings(timeout=SCRATCH_TIMEOUT)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextmanager
def sqlite_gone(scratch: Scratch):
    yield database_settings(f"sqlite:///{scratch.tmp / 'unmounted' / 'catalogue.sqlite3'}")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def unreachable(scratch: Scratch):
    port = closed_port()
    yield database_settings(f"postgres://postgres@127.0.0.1:{port}/catalogue")


@contextmanager
def postgres_read_only(scratch: Scratch):
    postgres_execute(f'ALTER DATABASE "{scratch.name}" SET default_transaction_read_only = on')
    try:
        yield scratch.settings()  # a new connection: it starts read-only, like one to a standby
    finally:
        postgres_execute(f'ALTER DATABASE "{scratch.name}" RESET default_transaction_read_only')


FAULTS = [
    Fault("sqlite-read-only", "sqlite", sqlite_read_only, error="attempt to write a readonly database"),
    Fault("sqlite-disk-full", "sqlite", sqlite_full, prepare=sqlite_check_compact, error="database or disk is full"),
    Fault("sqlite-locked", "sqlite", sqlite_locked, error="database is locked"),
    Fault("sqlite-file-gone", "sqlite", sqlite_gone, public_status=503, error="unable to open database file"),
    Fault("unreachable-port", "sqlite", unreachable, public_status=503, error="Connection refused"),
    Fault("postgresql-read-only", "postgresql", postgres_read_only,
          error="cannot execute UPDATE in a read-only transaction"),
    Fault("unreachable-port", "postgresql", unreachable, public_status=503, error="Connection refused"),
]


@pytest.mark.parametrize("fault", [f for f in FAULTS if f.vendor == VENDOR], ids=lambda f: f.name)
def test_a_storage_fault_gives_503_and_leaves_the_database_unchanged(fault, scratch, database_access, caplog,
                                                                       record_property):
    client = Client()
    with serving(scratch.settings()):
        from django.contrib.auth.models import User

        client.force_login(User.objects.get(username=EDITOR))
        url = change_url()
        assert client.get(url).status_code == 200
        data = practice_form_data(name=NEW_NAME, **{"entries-0-text": LONG_TEXT})
    fault.prepare(scratch)

    figures = {"fault": fault.name, "vendor": scratch.vendor}
    with fault.active(scratch) as entry, serving(entry):
        # The public keeps reading where the database can serve reads; otherwise it gets the 503 page.
        timings = []
        for page in PUBLIC_PAGES:
            started = time.perf_counter()
            response = client.get(page)
            timings.append(time.perf_counter() - started)
            if fault.public_status == 200:
                assert response.status_code == 200, (page, response.content.decode()[:2000])
            else:
                assert_503_page(response)
        figures["public_status"] = fault.public_status
        figures["public_s"] = dict(zip(PUBLIC_PAGES, (round(t, 3) for t in timings), strict=True))
        if fault.public_status == 200:
            assert client.get(reverse("admin:practices_practice_changelist")).status_code == 200  # staff still read
        else:
            api = client.get("/api/practices/", HTTP_ACCEPT="application/json")
            assert api.status_code == 503 and api["Retry-After"] == "60"
            assert api.json()["detail"] == "服务暂时不可用：数据库暂时无法访问，请稍后重试。"  # a problem document
            assert api["Content-Type"].startswith("application/problem+json") and api.json()["status"] == 503

        # The public reads may have stored cached figures where they could: compare from here on.
        before = snapshot(scratch)
        figures |= {"tables": len(before["tables"]), "rows": sum(count for count, _ in before["tables"].values())}
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="practices.middleware"):
            started = time.perf_counter()
            response = client.post(url, data)
            figures["post_503_s"] = round(time.perf_counter() - started, 3)
        assert_503_page(response)
        logged = [r for r in caplog.records if r.name == "practices.middleware"]
        assert len(logged) == 1 and logged[0].levelno == logging.ERROR
        assert url in logged[0].getMessage() and fault.error in logged[0].getMessage()

    assert leftover_journals(scratch) == []
    assert_same(before, snapshot(scratch))
    figures["unchanged"] = True

    # Control: with the fault lifted, the very same POST is saved. So the refused one was a real write.
    with serving(scratch.settings()):
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        from practices.models import Practice

        practice = Practice.objects.get(number=PRACTICE)
        assert practice.name == NEW_NAME and practice.entries.get(position=1).text == LONG_TEXT
    after_control = snapshot(scratch)
    figures["control_changed_tables"] = sorted(
        t for t in before["tables"] if before["tables"][t] != after_control["tables"].get(t))
    assert "practices_practice" in figures["control_changed_tables"]
    record_property("fault_figures", figures)


# --------------------------------------------------------------------------- a middleware's write, a bug, a crash


@pytest.mark.urls(__name__)
def test_a_session_write_refused_after_the_view_also_gives_503(scratch, database_access, caplog):
    """The session is saved by SessionMiddleware, after the view: Django has made it a 500 already."""
    read_only = sqlite_read_only if scratch.vendor == "sqlite" else postgres_read_only
    before = snapshot(scratch)
    client = Client(raise_request_exception=False)
    with read_only(scratch) as entry, serving(entry), caplog.at_level(logging.ERROR):
        response = client.get("/fault-probe/session/")
    assert_503_page(response)
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]  # headers set on the way out are kept
    assert response.get("Content-Length") in (None, str(len(response.content)))
    assert any(r.name == "practices.middleware" and "/fault-probe/session/" in r.getMessage()
               for r in caplog.records)
    assert_same(before, snapshot(scratch))
    # Control: on the writable database the same request stores a session.
    with serving(scratch.settings()):
        assert Client().get("/fault-probe/session/").status_code == 200
    assert snapshot(scratch)["tables"]["django_session"] != before["tables"]["django_session"]


@pytest.mark.urls(__name__)
def test_other_database_errors_stay_500_so_that_bugs_are_noticed():
    client = Client(raise_request_exception=False)
    response = client.get("/fault-probe/integrity/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "<h1>服务器出错</h1>" in body and "UNIQUE" not in body and "probe.secret" not in body


@pytest.mark.urls(__name__)
def test_a_crash_gives_the_chinese_500_page_without_the_exception(caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/fault-probe/crash/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "<h1>服务器出错</h1>" in body and 'lang="zh-Hans"' in body
    assert "secret" not in body and "RuntimeError" not in body and "<script" not in body
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert any("fault-probe/crash" in r.getMessage() for r in caplog.records)  # Django logged it


def test_the_error_pages_render_without_request_or_database_and_translate():
    """Rendered as Django renders a 500: no context at all. The database is blocked here (no db fixture)."""
    from django.template import loader
    from django.utils import translation

    for name, title, english in [("500.html", "服务器出错", "Server error"),
                                 ("503.html", "服务暂时不可用", "Service temporarily unavailable")]:
        html = loader.get_template(name).render()
        assert f"<h1>{title}</h1>" in html and 'lang="zh-Hans"' in html
        assert 'href="/static/practices/catalogue.css"' in html
        with translation.override("en"):
            html = loader.get_template(name).render()
        assert f"<h1>{english}</h1>" in html and 'lang="en"' in html
        assert not any("\u4e00" <= char <= "\u9fff" for char in html), "untranslated Chinese in the English page"


def test_database_errors_are_classified_by_their_driver_code(tmp_path):
    """Unavailable (SQLite busy/read-only/full/cannot open, PostgreSQL connection, 25006) versus bugs."""
    from django.db import DatabaseError, OperationalError, ProgrammingError

    from practices.middleware import database_unavailable_reason

    def wrapped(driver_exc, django_class):
        try:
            raise django_class(str(driver_exc)) from driver_exc
        except django_class as exc:
            return exc

    def sqlite_error(sql: str, *, uri: str = ":memory:") -> sqlite3.Error:
        conn = sqlite3.connect(uri, uri=True)
        try:
            conn.execute(sql)
        except sqlite3.Error as exc:
            return exc
        finally:
            conn.close()
        raise AssertionError(f"{sql} did not fail")

    sqlite3.connect(tmp_path / "probe.sqlite3").close()
    read_only = sqlite_error("CREATE TABLE t (a)", uri=f"file:{tmp_path / 'probe.sqlite3'}?mode=ro")
    missing_table = sqlite_error("SELECT * FROM nowhere")
    assert database_unavailable_reason(wrapped(read_only, OperationalError)) == "SQLITE_READONLY"
    assert database_unavailable_reason(wrapped(missing_table, OperationalError)) is None
    assert database_unavailable_reason(OperationalError("no driver, no code")) == "connection"
    assert database_unavailable_reason(ProgrammingError("syntax")) is None
    assert database_unavailable_reason(DatabaseError("plain")) is None
    assert database_unavailable_reason(RuntimeError("not a database error")) is None
    import psycopg

    for state, expected in [("25006", True), ("53100", True), ("08006", True), ("57P01", True), ("23505", False),
                            ("42P01", False)]:
        driver = psycopg.errors.lookup(state)("probe")
        assert (database_unavailable_reason(wrapped(driver, DatabaseError)) is not None) is expected, state
