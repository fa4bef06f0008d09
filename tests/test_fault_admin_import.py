"""Fault tests: an admin import killed halfway leaves the database exactly as before.

A real gunicorn (the production server, one sync worker, debug off) serves
the admin against a scratch database (a SQLite file, or a PostgreSQL
database when the suite runs on PostgreSQL). An editor logs in over HTTP and
uploads a large-ish XLSX spreadsheet of practices or metrics through
django-import-export (upload, dry-run preview, confirm). While the confirm
request is inside the import's transaction, the whole server (master and
worker) is killed with SIGKILL, at several moments. "Inside the transaction"
is observed from outside, not guessed: on SQLite a process holds the
RESERVED lock (/proc/locks) and the rollback journal exists (the batched
confirm reads every row before it writes), on PostgreSQL the backend has a
transaction id.
On SQLite one more kill runs with a 64 KiB page cache, so that the import
has already written changed pages into the database file: a torn file that
the next opener must roll back from the hot journal.

After the preview the scratch database is never written again: the
calibration and every kill run on an exact copy of it. The calibration
confirms the import to the end; it measures how long the import keeps its
transaction open (the kills aim at fractions of that) and proves that the
import changes the database. After each kill the copy is compared with the
scratch database: the deterministic ``manage.py export_catalogue`` dump,
every row of every table, and on SQLite the file's bytes. A kill that came
after the commit (the machine's speed varies) proves nothing: it is retried
on a new copy, earlier, and counted in the figures. PostgreSQL sequences are
not transactional and may move (the figures say which and by how much).
"""
from __future__ import annotations

import hashlib
import html.parser
import http.client
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import openpyxl
import pytest
from django.conf import settings

from tests.scratch import EDITOR, Scratch, manage
from tests.test_fault_storage import postgres_admin_url, postgres_execute, snapshot

pytestmark = pytest.mark.slow
ROOT = Path(settings.BASE_DIR)
ADMIN = "/" + settings.ADMIN_URL
PASSWORD = "correct-horse-battery-staple"
XLSX_FORMAT = "1"  # practices.resources.FORMATS = (CSV, XLSX, JSON)
#: When to kill, as fractions of how long the same import, run to the end on a copy, kept its transaction open.
KILL_FRACTIONS = (0.05, 0.25, 0.5)
#: SQLite only: one more kill, at 40 %, with a 64 KiB page cache. The import then spills changed pages into the
#: database file before it commits, so the kill leaves a torn file that the next opener rolls back (hot journal).
SPILL_FRACTION = 0.4
SMALL_CACHE = "?init_command=PRAGMA%20cache_size%3D-64"
NEW_PRACTICES = 4000  # appended to the 72 practices (enough to keep the batched confirm writing > 1 s)
METRIC_ROWS = 160  # metrics in the metric spreadsheet


# --------------------------------------------------------------------------- databases


@pytest.fixture
def scratch(scratch_catalogue: Scratch) -> Scratch:
    """A fresh copy of the session's loaded catalogue (with an editor) for one test."""
    return scratch_catalogue


RESERVED_BYTE = 0x40000001  # SQLite's RESERVED lock: a POSIX write lock on PENDING_BYTE + 1 (os_unix.c)


def sqlite_write_lock_held(path: Path) -> bool:
    """Does a process hold SQLite's RESERVED lock on ``path``, i.e. is a write transaction open? (/proc/locks)

    Not the journal file: a killed transaction that had not synced its journal leaves a journal that is not
    hot, which SQLite ignores and keeps, so its presence says nothing about the next transaction.
    """
    inode = str(path.stat().st_ino)
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields or len(fields) < 8 or fields[1] != "POSIX" or fields[3] != "WRITE":
            continue
        start, end = int(fields[6]), fields[7]
        if fields[5].rsplit(":", 1)[-1] == inode and start <= RESERVED_BYTE and (end == "EOF" or int(end) >= RESERVED_BYTE):
            return True
    return False


class Writes:
    """Watches from outside whether a transaction is writing: on SQLite its RESERVED lock is held and its
    rollback journal exists (the first changed page creates it; a transaction begun IMMEDIATE holds the
    lock from its start, while the batched confirm reads every row first); on PostgreSQL a backend has an xid.
    """

    def __init__(self, scratch: Scratch):
        self.scratch = scratch
        self.conn = None
        if scratch.vendor == "postgresql":
            import psycopg

            self.conn = psycopg.connect(postgres_admin_url(), autocommit=True)

    def open(self) -> bool:
        if self.conn is None:
            return sqlite_write_lock_held(self.scratch.path) and Path(f"{self.scratch.path}-journal").exists()
        return self.conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_xid IS NOT NULL",
                                 [self.scratch.name]).fetchone()[0] > 0

    def first(self, request: InBackground, limit: float = 300) -> float:
        """The moment a write transaction is first seen open (polled every 10 ms) while ``request`` runs."""
        deadline = time.monotonic() + limit
        while not self.open():
            assert request.is_alive(), f"the request ended before it wrote: {request.reply or request.error}"
            assert time.monotonic() < deadline, "the request never started writing"
            time.sleep(0.01)
        return time.monotonic()

    def total(self, request: InBackground) -> float:
        """Seconds during which a write transaction was seen open until ``request`` ended."""
        seconds, last = 0.0, time.monotonic()
        while request.is_alive():
            now, busy = time.monotonic(), self.open()
            seconds += (now - last) if busy else 0.0
            last = now
            time.sleep(0.01)
        return seconds

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def postgres_backends(scratch: Scratch) -> int:
    import psycopg

    with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                            [scratch.name]).fetchone()[0]


def dump(scratch: Scratch) -> dict:
    """export_catalogue's deterministic fixture (SHA-256), then every row of every table (see snapshot)."""
    out = scratch.tmp / f"export-{uuid.uuid4().hex[:6]}.json"
    manage(scratch.url, "export_catalogue", "--output", str(out))
    state = snapshot(scratch)
    state["export_sha256"] = hashlib.sha256(out.read_bytes()).hexdigest()
    state["export_bytes"] = out.stat().st_size
    out.unlink()
    return state


def differences(before: dict, after: dict) -> list[str]:
    changed = [t for t in sorted(set(before["tables"]) | set(after["tables"]))
               if before["tables"].get(t) != after["tables"].get(t)]
    for key in ("file_sha256", "export_sha256"):
        if key in before and before[key] != after[key]:
            changed.append(key)
    return changed


# --------------------------------------------------------------------------- the server and the browser


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


_started: list[Server] = []


@pytest.fixture(autouse=True)
def _no_server_left_behind():
    """Whatever happens in a test, every gunicorn it started is killed at its end."""
    yield
    while _started:
        _started.pop().kill()


class Server:
    """gunicorn with the production settings (debug off) on a free port, in its own process group."""

    def __init__(self, scratch: Scratch, url: str | None = None):
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": url or scratch.url, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "fault-test",
               "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_SSL_REDIRECT": "0",
               # The confirm runs in the request (not as a background job), where the kills aim.
               "DJANGO_IMPORT_BACKGROUND_ROWS": "1000000"}
        self.log = (scratch.tmp / "gunicorn.log").open("ab")
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "catalogue.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "1", "--timeout", "600"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        _started.append(self)
        deadline = time.monotonic() + 120
        while True:
            assert self.proc.poll() is None, "gunicorn exited: see gunicorn.log"
            try:
                if Browser(self).get(ADMIN + "login/").status == 200:
                    return
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer within 120 s"
            time.sleep(0.2)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL to the master and its worker at once: nothing gets to clean up. Idempotent."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # the whole group is gone already
        self.proc.wait(timeout=30)
        self.log.close()


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Browser:
    """Just enough of a browser: cookies (the production cookies are Secure; sent anyway on loopback) and forms."""

    server: Server
    cookies: dict = field(default_factory=dict)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                timeout: float = 600) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=timeout)
        try:
            all_headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            reply = Reply(response.status, dict(response.getheaders()), response.read())
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            return reply
        finally:
            conn.close()

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, fields: dict, files: dict | None = None, timeout: float = 600) -> Reply:
        if not files:
            return self.request("POST", path, urlencode(fields).encode(),
                                {"Content-Type": "application/x-www-form-urlencoded"}, timeout)
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in fields.items()]
        for name, (filename, content) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                         f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, b"".join(parts),
                            {"Content-Type": f"multipart/form-data; boundary={boundary}"}, timeout)


class FormInputs(html.parser.HTMLParser):
    """The named inputs of the form whose action contains ``action``."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = self.action in (attrs.get("action") or "")
        elif tag == "input" and self.inside and attrs.get("name") and attrs.get("type") != "submit":
            self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def form_fields(page: str, action: str) -> dict:
    parser = FormInputs(action)
    parser.feed(page)
    return parser.fields


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, "no CSRF token in the page"
    return match[1]


def login(browser: Browser) -> None:
    token = csrf_token(browser.get(ADMIN + "login/").text)
    reply = browser.post(ADMIN + "login/?next=" + ADMIN,
                         {"csrfmiddlewaretoken": token, "username": EDITOR, "password": PASSWORD, "next": ADMIN})
    assert reply.status == 302 and "sessionid" in browser.cookies, reply.text[:2000]


# --------------------------------------------------------------------------- the spreadsheets

EXPORT = """
from pathlib import Path
from practices import resources
resource = {{"practice": resources.PracticeResource, "metric": resources.MetricResource}}[{model!r}]
Path({path!r}).write_bytes(resources.export_file(resource, published_only=False, file_format="xlsx"))
"""


def spreadsheet(scratch: Scratch, model: str) -> tuple[bytes, int]:
    """An export of ``model`` edited like a large staff correction: (xlsx bytes, rows)."""
    exported = scratch.tmp / f"{model}.xlsx"
    manage(scratch.url, "shell", "-c", EXPORT.format(model=model, path=str(exported)))
    book = openpyxl.load_workbook(exported)
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    if model == "practice":
        name = header.index("name") + 1
        for row in range(2, sheet.max_row + 1):
            sheet.cell(row, name).value = f"{sheet.cell(row, name).value}（导入修订）"
        first = [cell.value for cell in sheet[2]]
        for k in range(NEW_PRACTICES):
            row = dict(zip(header, first, strict=True))
            row |= {"number": str(1001 + k), "name": f"导入新增的做法 {k + 1}", "status": "draft", "category_name": ""}
            sheet.append([row[h] for h in header])
    else:
        sheet.delete_rows(METRIC_ROWS + 2, sheet.max_row)
        label = header.index("label") + 1
        for row in range(2, sheet.max_row + 1):
            sheet.cell(row, label).value = f"{sheet.cell(row, label).value or ''}（导入修订）"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), sheet.max_row - 1


# --------------------------------------------------------------------------- the test


class InBackground(threading.Thread):
    """One request in the background: it only ends when the server answers or dies under it."""

    def __init__(self, send: Callable[[], Reply]):
        super().__init__(daemon=True)
        self.send = send
        self.reply: Reply | None = None
        self.error: BaseException | None = None
        self.start()

    def run(self):
        try:
            self.reply = self.send()
        except (OSError, http.client.HTTPException) as exc:  # the server died under it
            self.error = exc


@contextmanager
def clone(scratch: Scratch) -> Iterator[Scratch]:
    """An exact, disposable copy of ``scratch`` (no server may be connected to it)."""
    suffix = uuid.uuid4().hex[:6]
    if scratch.vendor == "sqlite":
        path = scratch.tmp / f"copy-{suffix}.sqlite3"
        shutil.copyfile(scratch.path, path)
        try:
            yield Scratch(url=f"sqlite:///{path}", vendor="sqlite", path=path, tmp=scratch.tmp)
        finally:
            for leftover in (path, Path(f"{path}-journal")):
                leftover.unlink(missing_ok=True)
        return
    name = f"{scratch.name}_{suffix}"
    postgres_execute(f'CREATE DATABASE "{name}" TEMPLATE "{scratch.name}"')
    try:
        yield Scratch(url=scratch.url.rsplit("/", 1)[0] + f"/{name}", vendor="postgresql", name=name, tmp=scratch.tmp)
    finally:
        postgres_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_for_backends_to_end(scratch: Scratch) -> None:
    """PostgreSQL: the backends of a killed server notice the dead client and roll back; wait for that."""
    deadline = time.monotonic() + 30
    while scratch.vendor == "postgresql" and postgres_backends(scratch):
        assert time.monotonic() < deadline, "the killed server's backend lingers"
        time.sleep(0.1)


@pytest.mark.parametrize("model", ["practice", "metric"])
def test_an_admin_import_killed_while_writing_leaves_the_database_exactly_as_before(model, scratch,
                                                                                    record_property):
    content, rows = spreadsheet(scratch, model)
    browser, confirm = upload_and_preview(scratch, model, content)
    # The scratch database now holds the uploaded file (in the database cache) and is never written again:
    # the calibration and every kill run on an exact copy of it.
    before = dump(scratch)
    figures = {"vendor": scratch.vendor, "model": model, "spreadsheet_rows": rows, "tables": len(before["tables"]),
               "rows_compared": sum(n for n, _ in before["tables"].values()), "export_bytes": before["export_bytes"],
               "kills": [], "kills_after_commit_retried": 0}

    # Calibration and control: the confirm run to the end. It measures how long the import keeps its
    # transaction open (the kills aim at fractions of that) and proves that the import changes the database,
    # so that every killed one had work to undo.
    with clone(scratch) as copy:
        import_write_s, reply = confirm_on(copy, browser, model, confirm)
        assert reply is not None and reply.status == 302, reply
        assert reply.headers["Location"].endswith(f"practices/{model}/")
        changed = differences(before, dump(copy))
    assert f"practices_{model}" in changed and "export_sha256" in changed
    assert import_write_s > 1, f"the import wrote for {import_write_s:.2f} s only: too little to kill into"
    figures |= {"import_write_s": round(import_write_s, 2),
                "tables_changed_by_import": len([name for name in changed if name in before["tables"]])}

    plan = [(fraction, False) for fraction in KILL_FRACTIONS]
    if scratch.vendor == "sqlite":
        plan.append((SPILL_FRACTION, True))
    for fraction, small_cache in plan:
        delay = fraction * import_write_s
        for _ in range(3):
            with clone(scratch) as copy:
                kill = kill_during_import(copy, browser, model, confirm, delay, small_cache, before)
            if kill is not None:
                figures["kills"].append({"fraction": fraction, **kill})
                break
            # The import committed before the kill (this machine's speed varies): try again, earlier.
            figures["kills_after_commit_retried"] += 1
            delay /= 2
        else:
            pytest.fail(f"three kills aimed at {fraction:.0%} of the import all came after its commit")
    record_property("fault_figures", figures)


def upload_and_preview(scratch: Scratch, model: str, content: bytes) -> tuple[Browser, dict]:
    """Log in, upload the spreadsheet and preview it (a dry run): the browser and the confirm form's fields."""
    browser = Browser(Server(scratch))
    try:
        login(browser)
        token = csrf_token(browser.get(f"{ADMIN}practices/{model}/import/").text)
        preview = browser.post(f"{ADMIN}practices/{model}/import/",
                               {"csrfmiddlewaretoken": token, "format": XLSX_FORMAT, "resource": "0"},
                               files={"import_file": (f"{model}s.xlsx", content)})
        assert preview.status == 200, preview
        confirm = form_fields(preview.text, "process_import")
        assert confirm.get("import_file_name"), "no confirm form: the preview found errors"
    finally:
        browser.server.kill()
    wait_for_backends_to_end(scratch)
    return browser, confirm


def post_confirm(browser: Browser, model: str, confirm: dict) -> InBackground:
    return InBackground(lambda: browser.post(f"{ADMIN}practices/{model}/process_import/", confirm))


def confirm_on(copy: Scratch, browser: Browser, model: str, confirm: dict) -> tuple[float, Reply | None]:
    """Confirm the import on ``copy`` and let it finish: (seconds its write transaction was open, reply)."""
    browser.server = Server(copy)
    writes = Writes(copy)
    try:
        request = post_confirm(browser, model, confirm)
        seconds = writes.total(request)
        request.join(timeout=600)
    finally:
        writes.close()
        browser.server.kill()
    wait_for_backends_to_end(copy)
    return seconds, request.reply


def kill_during_import(copy: Scratch, browser: Browser, model: str, confirm: dict, delay: float,
                       small_cache: bool, before: dict) -> dict | None:
    """Confirm on ``copy``, SIGKILL the server ``delay`` s after the import began writing, compare with ``before``.

    None if the import had committed before the kill (nothing was interrupted; the copy is thrown away).
    """
    browser.server = Server(copy, copy.url + SMALL_CACHE if small_cache else None)
    writes = Writes(copy)
    try:
        request = post_confirm(browser, model, confirm)
        started = writes.first(request)
        time.sleep(delay)
        inside = request.is_alive() and writes.open()  # still inside the import's transaction?
        killed_after = time.monotonic() - started
        browser.server.kill()
    finally:
        writes.close()
        browser.server.kill()
    request.join(timeout=30)
    if not inside:
        assert request.reply is None or request.reply.status == 302, f"the import failed: {request.reply}"
        return None
    assert request.reply is None, f"the confirm answered although killed: {request.reply}"
    kill = {"small_cache": small_cache, "killed_after_write_start_s": round(killed_after, 2)}
    if copy.vendor == "sqlite":
        # The killed transaction left its rollback journal behind: it was writing, and nobody cleaned up.
        journal = Path(f"{copy.path}-journal")
        assert journal.exists() and not sqlite_write_lock_held(copy.path)
        kill["journal_bytes"] = journal.stat().st_size
        # Had the killed write already changed pages of the file itself (a cache spill)? Then the next
        # opener must roll them back from the (hot) journal.
        kill["file_changed_at_kill"] = hashlib.sha256(copy.path.read_bytes()).hexdigest() != before["file_sha256"]
        if small_cache:
            assert kill["file_changed_at_kill"], "no page was spilled: the torn-file case was not produced"
    wait_for_backends_to_end(copy)
    after = dump(copy)  # on SQLite, export_catalogue is the next opener: it rolls a hot journal back
    assert differences(before, after) == [], f"killed {killed_after:.2f} s into the write"
    kill["sequences_moved"] = {name: (value or 0) - (old or 0) for (name, value), (_, old) in zip(
        after.get("sequences", []), before.get("sequences", []), strict=True) if value != old}
    return kill
