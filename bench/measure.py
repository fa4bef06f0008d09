"""Measure one database as it is: the worker behind ``manage.py benchmark --in-place``.

For every page: a few warm-up requests, then the SQL it runs (count, and its
slowest statement re-run on its own with ``cursor.execute`` for the "raw SQL"
time, EXPLAINed), then ``requests`` timed requests in-process with Django's
test client, then the same over HTTP against gunicorn (2 workers on a free
127.0.0.1 port). The CSV export is timed as rows per second with the peak
RSS of the serving process (sampled from /proc). Datasette, when installed,
serves the same SQLite file and its table page is timed with the same filters.

Nothing here asserts on time: it measures and reports.

The building blocks live in sibling modules (``stats``, ``machine``,
``servers``, ``pages``, ``sql``); their names stay importable from here.
"""
from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from .machine import RSS_INTERVAL, RssSampler, children, machine_description, pss_mb, rss_mb
from .pages import (
    EXPORT_TARGET_ROWS,
    PREFERRED_CATEGORY,
    PREFERRED_CITY,
    SEARCH_PHRASE,
    SEARCH_WORD,
    Page,
    catalogue_counts,
    choose_pages,
)
from .servers import (
    HTTP_TIMEOUT,
    READY_TIMEOUT,
    MeasureError,
    datasette_available,
    datasette_command,
    free_port,
    gunicorn_command,
    http_get,
    serving,
    wait_until_ready,
)
from .sql import explain, is_select, rerun_ms
from .stats import MIN_REQUESTS, percentile, repeat, summary

SCHEMA_VERSION = 1
ADMIN_USERNAME = "bench-admin"

__all__ = [
    "ADMIN_USERNAME", "EXPORT_TARGET_ROWS", "HTTP_TIMEOUT", "MIN_REQUESTS", "PREFERRED_CATEGORY", "PREFERRED_CITY",
    "READY_TIMEOUT", "RSS_INTERVAL", "SCHEMA_VERSION", "SEARCH_PHRASE", "SEARCH_WORD", "MeasureError", "Page",
    "RssSampler", "Worker", "WorkerOptions", "catalogue_counts", "children", "choose_pages", "datasette_available",
    "datasette_command", "explain", "free_port", "gunicorn_command", "http_get", "machine_description",
    "percentile", "repeat", "rerun_ms", "rss_mb", "serving", "summary", "wait_until_ready",
]


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
        selects = [q["sql"] for q in queries if is_select(q["sql"])]
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
            info["worker_pss_start_mb"] = [round(pss_mb(pid) or 0, 1) for pid in sorted(children(process.pid))]
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
            info["worker_pss_end_mb"] = [round(pss_mb(pid) or 0, 1) for pid in sorted(children(process.pid))]
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
