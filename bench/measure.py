"""Measure one database as it is: the worker behind ``manage.py benchmark --in-place``.

For every page: a few warm-up requests, then the SQL it runs (count, and its
slowest statement re-run on its own with ``cursor.execute`` for the "raw SQL"
time, EXPLAINed), then ``requests`` timed requests in-process with Django's
test client, then the same over HTTP against gunicorn (2 workers on a free
127.0.0.1 port). The CSV export is timed as rows per second with the peak
RSS of the serving process (sampled from /proc). Datasette, when installed,
serves the same SQLite file and its table page is timed with the same filters.

Nothing here asserts on time: it measures and reports.
"""
from __future__ import annotations

import contextlib
import csv
import http.client
import importlib.util
import io
import os
import platform
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

SCHEMA_VERSION = 1
EXPORT_TARGET_ROWS = 10_000
ADMIN_USERNAME = "bench-admin"
SEARCH_WORD = "融资"
SEARCH_PHRASE = "无还本续贷"
PREFERRED_CITY = "qingdao"  # 青岛: a real reporting city, present at every scale
PREFERRED_CATEGORY = 2  # 破解民营企业融资难题: the largest real category
HTTP_TIMEOUT = 300
READY_TIMEOUT = 90
RSS_INTERVAL = 0.005
# A page slower than budget / requests gets fewer timed requests, never fewer than this.
MIN_REQUESTS = 10


class MeasureError(Exception):
    """The measurement could not run (server did not start, …); str() says why."""


@dataclass
class Page:
    name: str
    label: str
    url: str
    admin: bool = False
    export: bool = False
    # Datasette's table page answering the same question (SQLite runs only).
    datasette: str | None = None


# -- statistics ---------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0 ≤ q ≤ 1) with linear interpolation between order statistics."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(seconds: list[float]) -> dict:
    """{"n", "p50_ms", "p95_ms", "mean_ms", "min_ms", "max_ms"} of request durations in seconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms), "p50_ms": round(percentile(ms, 0.50), 3), "p95_ms": round(percentile(ms, 0.95), 3),
        "mean_ms": round(sum(ms) / len(ms), 3), "min_ms": round(min(ms), 3), "max_ms": round(max(ms), 3),
    }


def repeat(request: Callable[[], float], count: int, *, budget: float) -> list[float]:
    """Durations returned by ``count`` calls of ``request``; fewer (never under MIN_REQUESTS)
    once ``budget`` seconds have gone by."""
    durations: list[float] = []
    started = time.monotonic()
    for index in range(count):
        durations.append(request())
        if index + 1 >= min(count, MIN_REQUESTS) and time.monotonic() - started > budget:
            break
    return durations


# -- the machine ----------------------------------------------------------------
def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def machine_description() -> dict:
    """nproc, memory, CPU model, load, Python, SQLite (and the database server's version later)."""
    cpu = re.search(r"^model name\s*:\s*(.+)$", _read("/proc/cpuinfo"), re.M)
    memory = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        nproc = os.cpu_count() or 0
    import django

    return {
        "nproc": nproc,
        "memory_gib": round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None,
        "cpu_model": cpu.group(1).strip() if cpu else platform.processor(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def rss_mb(pid: int) -> float | None:
    """Resident set size of ``pid`` in MiB (None when it has gone)."""
    match = re.search(r"^VmRSS:\s*(\d+) kB", _read(f"/proc/{pid}/status"), re.M)
    return int(match.group(1)) / 1024 if match else None


def children(pid: int) -> list[int]:
    """Direct child processes of ``pid`` (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _read(f"/proc/{entry.name}/stat")
        # The command name is in parentheses and may contain spaces: split after it.
        tail = stat.rpartition(")")[2].split()
        if len(tail) > 1 and tail[1] == str(pid):
            found.append(int(entry.name))
    return found


class RssSampler:
    """Peak RSS (MiB) of the largest of ``pids()`` while the block runs, sampled every 5 ms."""

    def __init__(self, pids: Callable[[], list[int]]):
        self.pids = pids
        self.peak = 0.0
        self.baseline = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> float:
        return max((rss_mb(pid) or 0.0 for pid in self.pids()), default=0.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(RSS_INTERVAL)

    def __enter__(self) -> RssSampler:
        self.baseline = self._sample()
        self.peak = self.baseline
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


# -- servers ----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(port: int, path: str, *, headers: dict | None = None) -> tuple[int, int, float, bytes | None]:
    """GET ``path`` from 127.0.0.1:``port``: (status, body bytes, seconds, first 64 KiB of the body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    try:
        started = time.perf_counter()
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        size, head = 0, b""
        while chunk := response.read(65536):
            if len(head) < 65536:
                head += chunk[:65536 - len(head)]
            size += len(chunk)
        elapsed = time.perf_counter() - started
        return response.status, size, elapsed, head
    finally:
        connection.close()


def wait_until_ready(port: int, process: subprocess.Popen, what: str, path: str = "/__benchmark_ready__") -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise MeasureError(f"{what} exited with status {process.returncode} before it was ready")
        try:
            http_get(port, path)
            return
        except OSError:
            time.sleep(0.2)
    raise MeasureError(f"{what} was not ready on 127.0.0.1:{port} after {READY_TIMEOUT} s")


@contextlib.contextmanager
def serving(command: list[str], *, env: dict, cwd: Path, what: str, log: Path) -> Iterator[tuple[int, subprocess.Popen]]:
    """Run a server (its command's "{port}" replaced by a free port) until the block ends."""
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as log_file:
        process = subprocess.Popen([part.replace("{port}", str(port)) for part in command], env=env, cwd=cwd,
                                   stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until_ready(port, process, what)
            yield port, process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def gunicorn_command(workers: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-c", "catalogue/gunicorn.py", "catalogue.wsgi:application",
            "--bind", "127.0.0.1:{port}", "--workers", str(workers), "--timeout", str(HTTP_TIMEOUT), "--log-level", "warning"]


def datasette_available() -> bool:
    return importlib.util.find_spec("datasette") is not None


def datasette_command(sqlite_file: Path) -> list[str]:
    return [sys.executable, "-m", "datasette", "serve", "--immutable", str(sqlite_file),
            "--host", "127.0.0.1", "--port", "{port}"]


# -- the pages ----------------------------------------------------------------------
def choose_pages(*, datasette_db: str | None = None) -> tuple[list[Page], dict]:
    """The pages to time at this database's scale, and the values picked for their filters."""
    from django.db.models import Count, Q

    from practices.models import Category, City, Practice

    category = (Category.objects.filter(number=PREFERRED_CATEGORY).first()
                or Category.objects.order_by("number").first())
    city = (City.objects.filter(slug=PREFERRED_CITY).first()
            or City.objects.annotate(n=Count("entries")).order_by("-n", "slug").first())
    published = Practice.objects.filter(status="published")
    numbers = list(published.order_by("number").values_list("number", flat=True))
    detail = numbers[len(numbers) // 2] if numbers else 1
    # The export: the filter whose row count is closest to EXPORT_TARGET_ROWS.
    per_category = Category.objects.annotate(
        n=Count("practices", filter=Q(practices__status="published"))
    ).order_by("number")
    options = [("", published.count())] + [(urlencode({"category": c.slug}), c.n) for c in per_category]
    export_query, export_rows = min(options, key=lambda item: (abs(item[1] - EXPORT_TARGET_ROWS), item[0]))
    cat = {"category": category.slug} if category else {}
    town = {"city": city.slug} if city else {}
    pages = [
        Page("home", "首页", "/"),
        Page("list", "列表（不筛选）", "/practices/"),
        Page("list_category", "列表：按类别", "/practices/?" + urlencode(cat)),
        Page("list_city", "列表：按城市", "/practices/?" + urlencode(town)),
        Page("list_category_city", "列表：类别+城市", "/practices/?" + urlencode(cat | town)),
        Page("search_word", f"搜索：{SEARCH_WORD}", "/practices/?" + urlencode({"q": SEARCH_WORD})),
        Page("search_phrase", f"搜索：{SEARCH_PHRASE}", "/practices/?" + urlencode({"q": SEARCH_PHRASE})),
        Page("detail", "详情", f"/practices/{detail}/"),
        Page("api_list", "API 列表", "/api/practices/"),
        Page("api_filtered", "API：类别+城市", "/api/practices/?" + urlencode(cat | town)),
        Page("admin_changelist", "后台列表", "/admin/practices/practice/", admin=True),
        Page("admin_search", f"后台搜索：{SEARCH_WORD}", "/admin/practices/practice/?" + urlencode({"q": SEARCH_WORD}),
             admin=True),
        Page("export_csv", "CSV 导出", "/practices/export.csv" + (f"?{export_query}" if export_query else ""),
             export=True),
    ]
    if datasette_db and category and city:
        table = f"/{datasette_db}/practices_practice?"
        base = {"status__exact": "published", "_sort": "number", "_size": "20"}
        in_city = {"_where": f"id in (select practice_id from practices_practiceentry where city_id = {city.pk})"}
        by_category = {"category_id__exact": str(category.pk)}
        for page in pages:
            query = {"list": base, "list_category": base | by_category, "list_city": base | in_city,
                     "list_category_city": base | by_category | in_city}.get(page.name)
            if query is not None:
                page.datasette = table + urlencode(query)
    chosen = {"category": category.slug if category else None, "city": city.slug if city else None,
              "detail_number": detail, "export_query": export_query, "export_expected_rows": export_rows}
    return pages, chosen


def catalogue_counts() -> dict:
    from practices.models import CaseReport, City, Metric, Practice, PracticeEntry, Province

    return {
        "practices": Practice.objects.count(),
        "published": Practice.objects.filter(status="published").count(),
        "entries": PracticeEntry.objects.count(),
        "metrics": Metric.objects.count(),
        "case_reports": CaseReport.objects.count(),
        "cities_with_entries": City.objects.filter(entries__isnull=False).distinct().count(),
        "provinces_with_entries": Province.objects.filter(cities__entries__isnull=False).distinct().count(),
    }


# -- SQL ------------------------------------------------------------------------------
_SELECT = re.compile(r"^\s*\(*\s*(SELECT|WITH)\b", re.I)


def rerun_ms(sql: str, repeat: int) -> float:
    """Median milliseconds of running ``sql`` alone with cursor.execute and fetching every row."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 0.5)


def explain(sql: str) -> str:
    """The plan of ``sql``: EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            rows = cursor.fetchall()
            depth = {0: -1}
            lines = []
            for node, parent, _, detail in rows:
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
            return "\n".join(lines)
    return ""


# -- the worker -------------------------------------------------------------------------
@dataclass
class WorkerOptions:
    requests: int = 50
    export_requests: int = 10
    warmup: int = 3
    http: bool = True
    datasette: bool = True
    gunicorn_workers: int = 2
    sql_repeat: int = 5
    page_budget: float = 60.0  # seconds of timed requests per page and mode (see MIN_REQUESTS)
    pages: list[str] | None = None
    scale_label: str = ""
    engine_label: str = ""
    output_dir: Path = Path("var/bench")
    log_dir: Path = Path("var/bench")
    build: dict | None = None
    progress: Callable[[str], None] = field(default=lambda message: None)


def _host() -> str:
    from django.conf import settings

    hosts = [h for h in settings.ALLOWED_HOSTS if h and not h.startswith(".")]
    if "*" in hosts or "testserver" in hosts or not hosts:
        return "testserver"
    return hosts[0]


def _consume(response) -> int:
    # No response.close(): the test client has already closed the response the way a WSGI
    # server would (for a streaming one, when its content is exhausted); closing it again
    # would send request_finished once more and drop the database connection.
    if getattr(response, "streaming", False):
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _count_csv_rows(data: bytes) -> int:
    text = data.decode("utf-8-sig", errors="replace")
    rows = sum(1 for _ in csv.reader(io.StringIO(text)))
    return max(0, rows - 1)  # minus the header


class Worker:
    """Measures every page of the current default database."""

    def __init__(self, options: WorkerOptions):
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client

        self.options = options
        self.vendor = connection.vendor
        user_model = get_user_model()
        self.user = user_model._default_manager.filter(username=ADMIN_USERNAME).first()
        self.created_user = self.user is None
        if self.user is None:
            self.user = user_model._default_manager.create_superuser(ADMIN_USERNAME, "bench@example.invalid", None)
        host = _host()
        self.client = Client(SERVER_NAME=host, raise_request_exception=False)
        self.admin = Client(SERVER_NAME=host, raise_request_exception=False)
        self.admin.force_login(self.user)
        self.session_cookie = f"{settings.SESSION_COOKIE_NAME}={self.admin.cookies[settings.SESSION_COOKIE_NAME].value}"
        self.sqlite_file = None
        if self.vendor == "sqlite":
            name = str(connection.settings_dict["NAME"])
            if name and not name.startswith(("file:", ":memory:")) and Path(name).exists():
                self.sqlite_file = Path(name)

    def close(self) -> None:
        if self.created_user:
            type(self.user)._default_manager.filter(pk=self.user.pk).delete()

    def _repeat(self, request: Callable[[], float], count: int) -> list[float]:
        return repeat(request, count, budget=self.options.page_budget)

    # in-process ---------------------------------------------------------------
    def _get(self, page: Page) -> tuple[int, int, float, object]:
        client = self.admin if page.admin else self.client
        started = time.perf_counter()
        response = client.get(page.url, secure=True)
        size = _consume(response)
        elapsed = time.perf_counter() - started
        return response.status_code, size, elapsed, getattr(response, "exc_info", None)

    def _capture(self, page: Page) -> tuple[list[dict], bytes]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = self.admin if page.admin else self.client
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.url, secure=True)
            if getattr(response, "streaming", False):
                body = b"".join(response.streaming_content)
            else:
                body = response.content
        return list(captured.captured_queries), body

    def measure_page(self, page: Page) -> dict:
        options = self.options
        record: dict = {"name": page.name, "label": page.label, "url": page.url, "admin": page.admin,
                        "export": page.export, "missing": False}
        # A redirect (e.g. to HTTPS) would be timed as a cheap page: it counts as a failure.
        status, size, _, exc_info = self._get(page)
        record["status"], record["bytes"] = status, size
        if status == 404:
            record["missing"] = True
            return record
        if status != 200:
            record["error"] = repr(exc_info[1]) if exc_info else f"HTTP {status}"
            return record
        for _ in range(max(0, options.warmup - 1)):
            self._get(page)
        queries, body = self._capture(page)
        record["queries"] = len(queries)
        record["sql_total_ms"] = round(sum(float(q.get("time") or 0) for q in queries) * 1000, 3)
        selects = [q["sql"] for q in queries if _SELECT.match(q["sql"])]
        timed = []
        for sql in dict.fromkeys(selects):
            try:
                timed.append((rerun_ms(sql, options.sql_repeat), sql))
            except Exception as exc:  # a statement that cannot run alone: note it, go on
                record.setdefault("sql_errors", []).append(f"{type(exc).__name__}: {exc}"[:300])
        if timed:
            ms, sql = max(timed)
            main = {"sql": sql, "ms": round(ms, 3)}
            try:
                main["plan"] = explain(sql)
            except Exception as exc:  # an EXPLAIN failure is recorded, not fatal
                main["plan_error"] = f"{type(exc).__name__}: {exc}"[:300]
            record["main_query"] = main
        count = options.export_requests if page.export else options.requests
        if page.export:
            record["export_stats"] = {"rows": _count_csv_rows(body)}
            with RssSampler(lambda: [os.getpid()]) as rss:
                durations = self._repeat(lambda: self._get(page)[2], count)
            record["inprocess"] = summary(durations) | {"requested": count}
            stats = record["export_stats"]
            stats["inprocess_rows_per_s"] = _rows_per_s(stats["rows"], durations)
            stats["inprocess_peak_rss_mb"] = round(rss.peak, 1)
            stats["inprocess_baseline_rss_mb"] = round(rss.baseline, 1)
        else:
            record["inprocess"] = summary(self._repeat(lambda: self._get(page)[2], count)) | {"requested": count}
        if record.get("main_query") and record["main_query"]["ms"] > 0:
            record["page_over_sql"] = round(record["inprocess"]["p50_ms"] / record["main_query"]["ms"], 2)
        return record

    # HTTP ---------------------------------------------------------------------
    def measure_http(self, pages: list[Page], records: dict[str, dict]) -> dict:
        from django.conf import settings

        env = dict(os.environ) | {"DJANGO_SECURE_PROXY_SSL_HEADER": "1"}
        log = self.options.log_dir / f"gunicorn-{self.options.engine_label}-{self.options.scale_label}.log"
        command = gunicorn_command(self.options.gunicorn_workers)
        info = {"workers": self.options.gunicorn_workers, "log": str(log)}
        with serving(command, env=env, cwd=Path(settings.BASE_DIR), what="gunicorn", log=log) as (port, process):
            info["port"] = port
            info["worker_rss_start_mb"] = [round(rss_mb(pid) or 0, 1) for pid in sorted(children(process.pid))]
            for page in pages:
                record = records[page.name]
                if record.get("missing") or record.get("status") != 200:
                    continue
                # As behind a TLS-terminating proxy (the settings redirect plain HTTP when DEBUG is off).
                headers = {"X-Forwarded-Proto": "https"} | ({"Cookie": self.session_cookie} if page.admin else {})
                statuses = set()
                for _ in range(max(self.options.warmup, 2 * self.options.gunicorn_workers)):
                    statuses.add(http_get(port, page.url, headers=headers)[0])
                count = self.options.export_requests if page.export else self.options.requests
                if page.export:
                    results = []
                    with RssSampler(lambda process=process: children(process.pid)) as rss:
                        durations = self._repeat(partial(_timed_get, results, port, page.url, headers), count)
                    stats = record["export_stats"]
                    stats["http_rows_per_s"] = _rows_per_s(stats["rows"], durations)
                    stats["http_peak_rss_mb"] = round(rss.peak, 1)
                    stats["http_baseline_rss_mb"] = round(rss.baseline, 1)
                else:
                    results = []
                    durations = self._repeat(partial(_timed_get, results, port, page.url, headers), count)
                statuses |= {r[0] for r in results}
                record["http"] = summary(durations) | {"requested": count, "statuses": sorted(statuses)}
                self.options.progress(f"  http {page.name}: p50 {record['http']['p50_ms']:.1f} ms")
            info["worker_rss_end_mb"] = [round(rss_mb(pid) or 0, 1) for pid in sorted(children(process.pid))]
        return info

    def measure_datasette(self, pages: list[Page], records: dict[str, dict]) -> dict:
        from django.conf import settings

        log = self.options.log_dir / f"datasette-{self.options.scale_label}.log"
        info: dict = {"file": str(self.sqlite_file)}
        import datasette

        info["version"] = getattr(datasette, "__version__", None) or _dist_version("datasette")
        with serving(datasette_command(self.sqlite_file), env=dict(os.environ), cwd=Path(settings.BASE_DIR),
                     what="datasette", log=log) as (port, _):
            for page in pages:
                if not page.datasette:
                    continue
                status = None
                for _ in range(self.options.warmup):
                    status = http_get(port, page.datasette)[0]
                durations = self._repeat(partial(_timed_get, [], port, page.datasette, {}), self.options.requests)
                records[page.name]["datasette"] = {"url": page.datasette, "status": status} | summary(durations)
                self.options.progress(f"  datasette {page.name}: p50 {records[page.name]['datasette']['p50_ms']:.1f} ms")
        return info

    def run(self) -> dict:
        from django.db import connection

        started = time.perf_counter()
        machine = machine_description()
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute("SHOW server_version")
                machine["postgresql"] = cursor.fetchone()[0]
        datasette_db = self.sqlite_file.stem if self.sqlite_file else None
        pages, chosen = choose_pages(datasette_db=datasette_db)
        if self.options.pages:
            pages = [p for p in pages if p.name in self.options.pages]
        counts = catalogue_counts()
        records: dict[str, dict] = {}
        for page in pages:
            self.options.progress(f"  {page.name}: {page.url}")
            records[page.name] = self.measure_page(page)
        result: dict = {
            "schema": SCHEMA_VERSION,
            "engine": self.vendor,
            "scale": {"label": self.options.scale_label or str(counts["practices"])} | counts,
            "chosen": chosen,
            "machine": machine,
            "settings": {
                "requests": self.options.requests, "export_requests": self.options.export_requests,
                "warmup": self.options.warmup, "sql_repeat": self.options.sql_repeat,
                "page_budget_s": self.options.page_budget, "min_requests": MIN_REQUESTS,
                "http": self.options.http, "debug": _debug(), "conn_max_age": connection.settings_dict.get(
                    "CONN_MAX_AGE"),
            },
            "build": self.options.build,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        if self.options.http:
            try:
                result["gunicorn"] = self.measure_http(pages, records)
            except MeasureError as exc:
                result.setdefault("errors", []).append(f"gunicorn: {exc}")
        if self.options.datasette and self.sqlite_file and datasette_available():
            try:
                result["datasette"] = self.measure_datasette(pages, records)
            except MeasureError as exc:
                result.setdefault("errors", []).append(f"datasette: {exc}")
        result["pages"] = [records[p.name] for p in pages]
        result["missing"] = [r["url"] for r in result["pages"] if r.get("missing")]
        result["failed"] = [f"{r['url']}: {r.get('error')}" for r in result["pages"]
                            if not r.get("missing") and r.get("status") != 200]
        result["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        result["seconds"] = round(time.perf_counter() - started, 1)
        return result


def _timed_get(results: list, port: int, path: str, headers: dict) -> float:
    """http_get(), its result appended to ``results``; returns the duration."""
    response = http_get(port, path, headers=headers)
    results.append(response)
    return response[2]


def _rows_per_s(rows: int, durations: list[float]) -> float | None:
    median = percentile(durations, 0.5)
    return round(rows / median, 1) if median > 0 and rows else None


def _debug() -> bool:
    from django.conf import settings

    return bool(settings.DEBUG)


def _dist_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None
