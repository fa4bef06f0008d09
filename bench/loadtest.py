"""Load test: gunicorn with the production settings on loopback, driven by wrk with a URL mix.

``manage.py loadtest`` (see docs/reliability.md) calls :func:`run`, which

1. writes the URL mix of the target database (``DATABASE_URL``, default the ``bench_100k``
   PostgreSQL database) to ``<output-dir>/urls-<label>.txt``: a child ``manage.py loadtest
   --write-urls`` pointed at that database picks real category and city slugs and practice
   numbers (:func:`url_mix`);
2. starts gunicorn on a free 127.0.0.1 port with DEBUG off, a throwaway secret key, the HTTPS
   redirect on and ``X-Forwarded-Proto`` trusted (wrk sends ``X-Forwarded-Proto: https``, as a
   TLS-terminating proxy would), and waits until every URL of the mix answers 200;
3. runs wrk (``bench/wrk/mix.lua``) for a few warm-up seconds, then for ``duration`` seconds at
   each connection count; the Lua script prints one JSON line per run (totals, latency
   percentiles, socket errors, status codes, a per-second timeline);
4. optionally restarts the PostgreSQL cluster during the (single) run and measures from the
   timeline how long the application failed and when it answered again on its own
   (:func:`analyse_restart`); gunicorn is never restarted, and the result says whether its
   workers were replaced;
5. returns one result dict, which the command writes to ``<output-dir>/loadtest-*.json``.

Everything is bounded: wrk's ``-d`` and ``--timeout``, a hard timeout on every child process.
"""
from __future__ import annotations

import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from . import measure

SCHEMA_VERSION = 1
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_100k"
LOADTEST_SECRET_KEY = "loadtest-only-not-a-secret"
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk" / "mix.lua"
JSON_MARKER = "LOADTEST_JSON "
SEARCH_TERMS = ("融资", "无还本续贷")
# The default server: see docs/reliability.md ("gunicorn workers") for the measurement behind it.
DEFAULT_WORKER_CLASS = "gthread"
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4
DEFAULT_CONNECTIONS = (16, 64)
# How many of each kind of URL a mix of 100 holds (detail pages: spread over the numbers).
MIX = {"home": 5, "list_category": 15, "list_city": 10, "list_category_city": 10, "search": 10,
       "detail": 40, "api_category": 10}
# Passed with -c when present, so that what is measured is what `make serve` deploys; the options
# below (bind, workers, worker class, threads, timeout) override it.
GUNICORN_CONFIG = "catalogue/gunicorn.py"
RESTART_TIMEOUT = 120
# The restart of the local cluster (Debian's pg_ctlcluster; we run as root). {version} is the one
# directory under /etc/postgresql.
RESTART_COMMAND = "pg_ctlcluster --skip-systemctl-redirect {version} main restart"
EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Warning|Timeout)): ?(.*)$")


class LoadTestError(Exception):
    """The load test could not run (wrk missing, server not healthy, wrk failed …); str() says why."""


@dataclass
class LoadTestOptions:
    base_dir: Path
    output_dir: Path
    database_url: str = DEFAULT_DATABASE_URL
    connections: list[int] = field(default_factory=lambda: list(DEFAULT_CONNECTIONS))
    duration: int = 60
    warmup: int = 5
    timeout: int = 30  # wrk --timeout: a response slower than this counts as a socket timeout
    worker_class: str = DEFAULT_WORKER_CLASS
    workers: int = DEFAULT_WORKERS
    threads: int = DEFAULT_THREADS
    gunicorn_timeout: int = 30  # gunicorn's --timeout (its default, as `make serve` runs it)
    wrk_threads: int | None = None  # default: min(connections, nproc)
    detail_pages: int = 40
    seed: int = 1
    conn_max_age: int | None = None  # None: the settings' default (60 s with DEBUG off)
    restart_postgres_at: float | None = None
    restart_command: str | None = None
    label: str = ""
    note: str = ""
    verbosity: int = 1
    extra_env: dict[str, str] = field(default_factory=dict)


# -- pure helpers ------------------------------------------------------------------------------
def database_label(url: str) -> str:
    """A short name for file names: the PostgreSQL database name, or the SQLite file's stem."""
    parts = urlsplit(url)
    name = Path(parts.path).stem if parts.scheme.startswith("sqlite") else parts.path.strip("/")
    engine = "sqlite" if parts.scheme.startswith("sqlite") else "postgresql"
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{engine}-{name or 'default'}")


def redact(url: str) -> str:
    """``url`` without a password."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


def parse_wrk_output(text: str) -> dict:
    """The JSON the Lua script printed in done()."""
    for line in text.splitlines():
        if line.startswith(JSON_MARKER):
            return json.loads(line[len(JSON_MARKER):])
    raise LoadTestError("wrk printed no LOADTEST_JSON line: " + " | ".join(text.strip().splitlines()[-5:]))


def analyse_restart(result: dict, restart: dict) -> dict:
    """What a PostgreSQL restart did to the run, from wrk's timeline and the restart's timestamps.

    ``restart`` holds epoch milliseconds: ``began_ms`` (the restart command started),
    ``ended_ms`` (it returned), ``down_ms`` (the target database first refused a connection) and
    ``ready_ms`` (it first accepted one again). Offsets in the answer are seconds after wrk's start; timeline buckets are whole
    seconds of completion time.
    """
    t0 = result["started_ms"]

    def offset(ms: float | None) -> float | None:
        return None if ms is None else round((ms - t0) / 1000, 3)

    timeline = result["timeline"]
    failing = [row["t"] for row in timeline if row["errors"]]
    analysis: dict = {
        "restart_began_s": offset(restart.get("began_ms")),
        "restart_ended_s": offset(restart.get("ended_ms")),
        "postgres_down_s": offset(restart.get("down_ms")),
        "postgres_ready_s": offset(restart.get("ready_ms")),
        "restart_returncode": restart.get("returncode"),
        "failed_requests": result["errors"],
        "non_2xx_3xx": result["non_2xx_3xx"],
        "socket_errors": sum(result["socket_errors"].values()),
        "first_failing_second": failing[0] if failing else None,
        "last_failing_second": failing[-1] if failing else None,
        "first_error_s": offset(result.get("first_error_ms")),
        "last_error_s": offset(result.get("last_error_ms")),
    }
    if failing:
        analysis["outage_window_s"] = failing[-1] - failing[0] + 1
        first, last = result.get("first_error_ms"), result.get("last_error_ms")
        analysis["outage_exact_s"] = round((last - first) / 1000, 3) if first and last else None
        later = [row for row in timeline if row["t"] > failing[-1] and row["ok"]]
        analysis["answered_again_second"] = later[0]["t"] if later else None
        began = restart.get("began_ms")
        if began and last:
            # The app answered 2xx again right after its last failure (the next bucket proves it did).
            analysis["recovery_after_restart_began_s"] = round((last - began) / 1000, 3)
        ready = restart.get("ready_ms")
        if ready and last:
            analysis["last_error_after_postgres_ready_s"] = round((last - ready) / 1000, 3)
        if ready:
            ready_second = (ready - t0) / 1000
            analysis["errors_after_postgres_ready"] = sum(
                row["errors"] for row in timeline if row["t"] >= ready_second)
            analysis["failing_seconds_after_postgres_ready"] = [
                row["t"] for row in timeline if row["errors"] and row["t"] >= ready_second]
    else:
        analysis.update(outage_window_s=0, outage_exact_s=0, answered_again_second=None,
                        errors_after_postgres_ready=0, failing_seconds_after_postgres_ready=[])
    analysis["recovered_without_restart"] = bool(
        analysis.get("answered_again_second") is not None or not failing)
    return analysis


def summarise_log(text: str, *, top: int = 10) -> dict:
    """The errors in a gunicorn log (Django logs every 500 and 503 there with its traceback): the final
    exception of every traceback chain, counted, and gunicorn's worker events."""
    lines = text.splitlines()
    exceptions: Counter[str] = Counter()
    chains = 0
    index = 0
    while index < len(lines):
        if not lines[index].startswith("Traceback (most recent call last)"):
            index += 1
            continue
        index += 1
        while index < len(lines) and lines[index].startswith((" ", "\t")):
            index += 1  # the frames
        if index >= len(lines):
            break
        exception = lines[index].strip()
        index += 1
        while index < len(lines) and lines[index].startswith((" ", "\t")):
            index += 1  # the rest of a multi-line message
        after = index
        while after < len(lines) and not lines[after].strip():
            after += 1
        chained = after < len(lines) and lines[after].startswith(("The above exception", "During handling"))
        if not chained:
            chains += 1
            match = EXCEPTION_LINE.match(exception)
            name = f"{match.group(1)}: {match.group(2).strip()}" if match else exception
            exceptions[name[:200]] += 1
    return {
        "errors_logged": chains,
        "exceptions": [{"exception": name, "count": n} for name, n in exceptions.most_common(top)],
        "worker_timeouts": sum("WORKER TIMEOUT" in line for line in lines),
        "worker_boots": sum("Booting worker" in line for line in lines),  # logged at INFO only
        # The arbiter logs a worker that died (exit code, signal, SIGKILL) at ERROR or above.
        "worker_exits": sum("Worker (pid:" in line for line in lines),
        "lines": len(lines),
    }


# -- the URL mix (runs in a child pointed at the target database) ------------------------------------
def url_mix(*, detail_pages: int = 40, seed: int = 1) -> dict:
    """The mix of 100 paths (shuffled with ``seed``), built from the current database's real data."""
    from django.db.models import Count, Q

    from practices.models import Category, City, Practice

    published = Practice.objects.filter(status="published")
    categories = list(Category.objects.annotate(n=Count("practices", filter=Q(practices__status="published")))
                      .filter(n__gt=0).order_by("number").values_list("slug", flat=True))
    cities = list(City.objects.annotate(n=Count("entries", filter=Q(entries__practice__status="published")))
                  .filter(n__gt=0).order_by("-n", "slug").values_list("slug", flat=True)[:10])
    numbers = list(published.order_by("number").values_list("number", flat=True))
    if not (categories and cities and numbers):
        raise LoadTestError("the database holds no published practice (is the catalogue loaded?)")
    count = max(1, min(detail_pages, len(numbers)))
    spread = sorted({numbers[i * (len(numbers) - 1) // max(count - 1, 1)] for i in range(count)})

    def cycle(items: list, n: int) -> list:
        return [items[i % len(items)] for i in range(n)]

    kinds: dict[str, list[str]] = {
        "home": ["/"] * MIX["home"],
        "list_category": ["/practices/?" + urlencode({"category": c}) for c in cycle(categories, MIX["list_category"])],
        "list_city": ["/practices/?" + urlencode({"city": c}) for c in cycle(cities, MIX["list_city"])],
        "list_category_city": ["/practices/?" + urlencode({"category": cat, "city": town}) for cat, town in zip(
            cycle(categories, MIX["list_category_city"]), cycle(cities[::-1], MIX["list_category_city"]),
            strict=True)],
        "search": ["/practices/?" + urlencode({"q": q}) for q in cycle(list(SEARCH_TERMS), MIX["search"])],
        "detail": [f"/practices/{n}/" for n in cycle(spread, MIX["detail"])],
        "api_category": ["/api/practices/?" + urlencode({"category": c}) for c in cycle(categories, MIX["api_category"])],
    }
    paths = [path for group in kinds.values() for path in group]
    random.Random(seed).shuffle(paths)
    return {
        "paths": paths,
        "kinds": {name: len(group) for name, group in kinds.items()},
        "unique": len(set(paths)),
        "categories": categories,
        "cities": cities,
        "detail_numbers": spread,
        "practices_published": len(numbers),
    }


def database_facts() -> dict:
    """The child's view of the target database: engine, version, connection settings, migrations."""
    from django.conf import settings
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    facts = {"vendor": connection.vendor,
             "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
             "conn_health_checks": settings.DATABASES["default"].get("CONN_HEALTH_CHECKS"),
             "debug": settings.DEBUG}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            facts["server_version"] = cursor.fetchone()[0]
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            facts["server_version"] = cursor.fetchone()[0]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    facts["unapplied_migrations"] = [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
    return facts


def write_url_file(path: Path, *, detail_pages: int, seed: int) -> dict:
    """The child's work: the mix and the database facts as JSON at ``path`` (and the paths beside it)."""
    mix = url_mix(detail_pages=detail_pages, seed=seed)
    data = {"mix": mix, "database": database_facts()}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return data


# -- processes -------------------------------------------------------------------------------------
def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise LoadTestError("wrk is not installed: `make loadtest` installs it (apt-get install wrk), "
                            "or run `bash .ci/loadtest-deps`")
    return found


def server_env(options: LoadTestOptions) -> dict[str, str]:
    """Production settings against the target database, as `make serve` runs them behind a proxy."""
    env = dict(os.environ)
    env.pop("DJANGO_CONN_MAX_AGE", None)
    env.update({
        "DJANGO_SETTINGS_MODULE": "catalogue.settings",
        "DATABASE_URL": options.database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": LOADTEST_SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # The HTTPS redirect stays on, as in production; wrk says X-Forwarded-Proto: https like a
        # TLS-terminating proxy, and the settings trust that header.
        "DJANGO_SECURE_SSL_REDIRECT": "1",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
        # Pages reference static files by name; wrk never fetches them (as in the benchmark).
        "DJANGO_STATIC_MANIFEST": "0",
        "DJANGO_LOG_LEVEL": "ERROR",
        "PYTHONUNBUFFERED": "1",
    })
    if options.conn_max_age is not None:
        env["DJANGO_CONN_MAX_AGE"] = str(options.conn_max_age)
    env.update(options.extra_env)
    return env


def gunicorn_config(options: LoadTestOptions) -> Path | None:
    """The project's gunicorn settings file (as `make serve` passes it), when there is one."""
    path = options.base_dir / GUNICORN_CONFIG
    return path if path.exists() else None


def gunicorn_command(options: LoadTestOptions) -> list[str]:
    config = gunicorn_config(options)
    command = [sys.executable, "-m", "gunicorn", *(["-c", str(config)] if config else []),
               "catalogue.wsgi:application", "--bind", "127.0.0.1:{port}",
               "--workers", str(options.workers), "--worker-class", options.worker_class,
               "--timeout", str(options.gunicorn_timeout), "--log-level", "warning"]
    if options.worker_class == "gthread":
        command += ["--threads", str(options.threads)]
    return command


def prepare_urls(options: LoadTestOptions, env: dict, label: str) -> tuple[dict, Path]:
    """Run the URL-writing child against the target database; returns (its JSON, the wrk URL file)."""
    options.output_dir.mkdir(parents=True, exist_ok=True)
    data_path = options.output_dir / f"urls-{label}.json"
    data_path.unlink(missing_ok=True)
    command = [sys.executable, str(options.base_dir / "manage.py"), "loadtest", "--write-urls", str(data_path),
               "--detail-pages", str(options.detail_pages), "--seed", str(options.seed), "-v", "0"]
    try:
        completed = subprocess.run(command, env=env, cwd=options.base_dir, capture_output=True, text=True,
                                   timeout=300)
    except subprocess.TimeoutExpired as exc:
        raise LoadTestError("building the URL mix took more than 300 s") from exc
    if completed.returncode != 0 or not data_path.exists():
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        raise LoadTestError(f"cannot build the URL mix from {redact(options.database_url)} "
                            f"(exit {completed.returncode}): " + " | ".join(tail))
    data = json.loads(data_path.read_text(encoding="utf-8"))
    urls = options.output_dir / f"urls-{label}.txt"
    urls.write_text(f"# URL mix of {redact(options.database_url)}: "
                    + ", ".join(f"{k} {v}" for k, v in data["mix"]["kinds"].items()) + "\n"
                    + "\n".join(data["mix"]["paths"]) + "\n", encoding="utf-8")
    return data, urls


HEADERS = {"X-Forwarded-Proto": "https"}


def check_urls(port: int, paths: list[str], *, concurrency: int) -> dict[str, int]:
    """Every distinct path once (also warms every worker up): {path: status}."""
    unique = list(dict.fromkeys(paths))

    def status(path: str) -> int:
        try:
            return measure.http_get(port, path, headers=HEADERS)[0]
        except OSError:
            return 0

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return dict(zip(unique, pool.map(status, unique), strict=True))


def wrk_command(options: LoadTestOptions, port: int, connections: int, duration: int, urls: Path) -> list[str]:
    threads = options.wrk_threads or min(connections, measure.machine_description()["nproc"] or 1)
    threads = max(1, min(threads, connections))
    return [wrk_binary(), "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
            "--timeout", f"{options.timeout}s", "-H", "X-Forwarded-Proto: https", "-s", str(WRK_SCRIPT),
            f"http://127.0.0.1:{port}", "--", str(urls), str(threads)]


def run_wrk(command: list[str], duration: int, timeout: int) -> dict:
    """wrk's JSON line; a hard limit of duration + timeout + 60 s on the process."""
    limit = duration + timeout + 60
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired as exc:
        raise LoadTestError(f"wrk did not finish within {limit} s") from exc
    if completed.returncode != 0:
        raise LoadTestError(f"wrk failed (exit {completed.returncode}): "
                            + " | ".join((completed.stderr + completed.stdout).strip().splitlines()[-5:]))
    result = parse_wrk_output(completed.stdout)
    result["wrk_text"] = completed.stdout.split(JSON_MARKER)[0].strip()
    return result


def restart_command(options: LoadTestOptions) -> list[str]:
    if options.restart_command:
        return shlex.split(options.restart_command)
    try:
        versions = sorted(os.listdir("/etc/postgresql"))
    except OSError as exc:
        raise LoadTestError("no /etc/postgresql: give --restart-command") from exc
    if len(versions) != 1:
        raise LoadTestError(f"/etc/postgresql holds {versions}: give --restart-command")
    return shlex.split(RESTART_COMMAND.format(version=versions[0]))


def _postgres_ready(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=2) as db:
            db.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


class Restarter(threading.Thread):
    """Restarts PostgreSQL at ``at`` (epoch seconds) and, while the command runs, polls the target
    database every 50 ms: when it first refused (``down_ms``) and when it first answered again
    (``ready_ms``). All times are epoch milliseconds."""

    POLL_SECONDS = 0.05

    def __init__(self, command: list[str], at: float, database_url: str):
        super().__init__(daemon=True)
        self.command, self.at, self.database_url = command, at, database_url
        self.record: dict = {"command": command}

    def run(self) -> None:
        time.sleep(max(0.0, self.at - time.time()))
        record = self.record
        record["began_ms"] = time.time() * 1000
        try:
            process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        except OSError as exc:
            record.update(returncode=None, output=f"{type(exc).__name__}: {exc}", ended_ms=time.time() * 1000)
            return
        deadline = time.monotonic() + RESTART_TIMEOUT
        while time.monotonic() < deadline:
            ready = _postgres_ready(self.database_url)
            now = time.time() * 1000
            if not ready and "down_ms" not in record:
                record["down_ms"] = now
            if ready and "down_ms" in record and "ready_ms" not in record:
                record["ready_ms"] = now
            if process.poll() is not None:
                record.setdefault("ended_ms", now)
                if "ready_ms" in record:
                    break
                if ready:  # never seen down: the restart was quicker than one poll
                    record["ready_ms"] = now
                    break
            time.sleep(self.POLL_SECONDS)
        if process.poll() is None:
            process.kill()
        output, _ = process.communicate()
        record["returncode"] = process.returncode
        record["output"] = (output or "").strip()[-2000:]
        record.setdefault("ended_ms", time.time() * 1000)


# -- CPU accounting (Linux /proc) -------------------------------------------------------------------
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` so far (None when it has gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15)


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    try:
        first = Path("/proc/stat").read_text(encoding="utf-8").splitlines()[0].split()
    except (OSError, IndexError):
        return 0.0, 0.0
    values = [int(v) for v in first[1:9]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


def postgres_backends(url: str) -> list[int]:
    """Server pids of the other sessions on the target PostgreSQL database (when it runs on this machine)."""
    if not url.startswith(("postgres://", "postgresql://")) or urlsplit(url).hostname not in (
            "127.0.0.1", "localhost", "::1", None):
        return []
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as db:
            rows = db.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                              "AND pid <> pg_backend_pid()").fetchall()
    except psycopg.Error:
        return []
    return [row[0] for row in rows]


class CpuMeter:
    """CPU used by gunicorn's workers and the database's backends (and the whole machine) during a block."""

    def __init__(self, master_pid: int, database_url: str):
        self.master_pid, self.database_url = master_pid, database_url

    def _sample(self) -> dict:
        workers = {pid: process_cpu_seconds(pid) for pid in measure.children(self.master_pid)}
        backends = {pid: process_cpu_seconds(pid) for pid in postgres_backends(self.database_url)}
        busy, total = machine_cpu_seconds()
        return {"workers": workers, "backends": backends, "busy": busy, "total": total, "at": time.monotonic()}

    def __enter__(self) -> CpuMeter:
        self.start = self._sample()
        return self

    def __exit__(self, *exc) -> None:
        self.end = self._sample()

    @staticmethod
    def _delta(before: dict, after: dict) -> float:
        return sum((after[pid] or 0) - (before.get(pid) or 0) for pid in after if after[pid] is not None)

    def result(self, requests: int) -> dict:
        gunicorn = self._delta(self.start["workers"], self.end["workers"])
        postgres = self._delta(self.start["backends"], self.end["backends"])
        wall = self.end["at"] - self.start["at"]
        busy = self.end["busy"] - self.start["busy"]
        total = self.end["total"] - self.start["total"]
        used = gunicorn + postgres
        return {
            "gunicorn_s": round(gunicorn, 2), "postgres_s": round(postgres, 2), "wall_s": round(wall, 2),
            "machine_busy_s": round(busy, 2), "machine_total_s": round(total, 2),
            "machine_busy_pct": round(100 * busy / total, 1) if total else None,
            # The share of the machine's busy time that was ours: far below 100 % means other work ran.
            "own_share_pct": round(100 * used / busy, 1) if busy else None,
            "requests_per_cpu_s": round(requests / used, 2) if used else None,
        }


def _git_state(base_dir: Path) -> dict:
    """Read-only: the commit and the changed files of the tree that served (other work may be in it)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=base_dir, capture_output=True, text=True,
                                  timeout=20).stdout.rstrip("\n")
        except (OSError, subprocess.TimeoutExpired):
            return ""

    return {"commit": git("rev-parse", "--short", "HEAD").strip(),
            "changed": [line[3:] for line in git("status", "--porcelain").splitlines() if line.strip()]}


# -- the run ---------------------------------------------------------------------------------------------
def run(options: LoadTestOptions, write: Callable[[str], None], detail: Callable[[str], None]) -> dict:
    """The whole load test; ``write`` gets progress lines, ``detail`` the verbose ones."""
    if not WRK_SCRIPT.exists():
        raise LoadTestError(f"the wrk script {WRK_SCRIPT} is missing")
    wrk_binary()
    label = options.label or database_label(options.database_url)
    restart = options.restart_postgres_at is not None
    if restart:
        if not options.database_url.startswith(("postgres://", "postgresql://")):
            raise LoadTestError("--restart-postgres-at needs a PostgreSQL DATABASE_URL")
        command_to_restart = restart_command(options)
    env = server_env(options)
    started = time.time()
    write(f"Building the URL mix from {redact(options.database_url)} …")
    urls_data, urls_file = prepare_urls(options, env, label)
    mix, database = urls_data["mix"], urls_data["database"]
    if database.get("unapplied_migrations"):
        write("WARNING: the database lacks migrations " + ", ".join(database["unapplied_migrations"]))
    write(f"  {len(mix['paths'])} paths ({mix['unique']} distinct) → {urls_file}")
    kind = "restart" if restart else "load"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log = options.output_dir / f"gunicorn-{label}-{kind}-{stamp}.log"
    result: dict = {
        "schema": SCHEMA_VERSION,
        "kind": kind,
        "label": label,
        "note": options.note,
        "database_url": redact(options.database_url),
        "database": database,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": measure.machine_description() | {"wrk": _wrk_version()},
        "tree": _git_state(options.base_dir),
        "gunicorn": {"config": str(gunicorn_config(options) or ""), "worker_class": options.worker_class,
                     "workers": options.workers,
                     "threads": options.threads if options.worker_class == "gthread" else 1,
                     "timeout": options.gunicorn_timeout, "log": str(log)},
        "settings": {"duration_s": options.duration, "warmup_s": options.warmup, "wrk_timeout_s": options.timeout,
                     "connections": options.connections, "seed": options.seed,
                     "restart_postgres_at_s": options.restart_postgres_at,
                     "headers": HEADERS, "ssl_redirect": True, "debug": False},
        "mix": {k: mix[k] for k in ("kinds", "unique", "categories", "cities", "detail_numbers",
                                    "practices_published")} | {"file": str(urls_file)},
        "runs": [],
    }
    command = gunicorn_command(options)
    workers_label = (f"{options.workers} {options.worker_class} workers"
                     + (f" × {options.threads} threads" if options.worker_class == "gthread" else ""))
    write(f"Starting gunicorn ({workers_label}) …")
    try:
        with measure.serving(command, env=env, cwd=options.base_dir, what="gunicorn", log=log) as (port, process):
            gunicorn = result["gunicorn"]
            gunicorn["port"], gunicorn["master_pid"] = port, process.pid
            statuses = check_urls(port, mix["paths"], concurrency=options.workers * max(1, options.threads))
            # With preload_app the master forks the workers one after another once the app is loaded: the
            # first may answer before the last exists. Read the pids once every worker is there.
            deadline = time.monotonic() + 60
            while len(measure.children(process.pid)) < options.workers and time.monotonic() < deadline:
                time.sleep(0.2)
            gunicorn["worker_pids_start"] = sorted(measure.children(process.pid))
            bad = {path: status for path, status in statuses.items() if status != 200}
            if bad:
                raise LoadTestError(f"{len(bad)} of {len(statuses)} URLs do not answer 200 before the load: "
                                    + ", ".join(f"{p} → {s}" for p, s in list(bad.items())[:5]) + f" (log: {log})")
            write(f"  healthy on 127.0.0.1:{port}: all {len(statuses)} distinct URLs answer 200")
            gunicorn["worker_rss_start_mb"] = _rss(process.pid)
            if options.warmup > 0:
                write(f"Warm-up: {options.warmup} s at {options.connections[0]} connections …")
                warm = run_wrk(wrk_command(options, port, options.connections[0], options.warmup, urls_file),
                               options.warmup, options.timeout)
                result["warmup"] = {k: warm[k] for k in ("requests", "errors", "throughput_rps")}
            for connections in options.connections:
                write(f"wrk: {connections} connections for {options.duration} s …")
                command_wrk = wrk_command(options, port, connections, options.duration, urls_file)
                restarter = None
                if restart:
                    restarter = Restarter(command_to_restart, time.time() + options.restart_postgres_at,
                                          options.database_url)
                    restarter.start()
                with CpuMeter(process.pid, options.database_url) as meter:
                    run_result = run_wrk(command_wrk, options.duration, options.timeout)
                run_result["cpu"] = meter.result(run_result["requests"])
                if restarter is not None:
                    restarter.join(timeout=RESTART_TIMEOUT * 2 + 10)
                    run_result["restart"] = restarter.record
                    run_result["restart_analysis"] = analyse_restart(run_result, restarter.record)
                run_result["connections"] = connections
                run_result["command"] = command_wrk
                detail(run_result.pop("wrk_text"))
                result["runs"].append(run_result)
                write("  " + one_line(run_result))
                if run_result.get("restart_analysis"):
                    for line in restart_lines(run_result):
                        write("  " + line)
            gunicorn["worker_pids_end"] = sorted(measure.children(process.pid))
            gunicorn["worker_rss_end_mb"] = _rss(process.pid)
            gunicorn["workers_replaced"] = gunicorn["worker_pids_end"] != gunicorn["worker_pids_start"]
            gunicorn["master_alive"] = process.poll() is None
    except measure.MeasureError as exc:
        raise LoadTestError(f"{exc} (log: {log})") from exc
    finally:
        # The log is complete once gunicorn has stopped.
        if log.exists():
            result["gunicorn"]["log_summary"] = summarise_log(log.read_text(encoding="utf-8", errors="replace"))
    result["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    result["seconds"] = round(time.time() - started, 1)
    return result


def _rss(pid: int) -> list[float]:
    return [round(measure.rss_mb(child) or 0, 1) for child in sorted(measure.children(pid))]


def _wrk_version() -> str | None:
    try:
        completed = subprocess.run([wrk_binary(), "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired, LoadTestError):
        return None
    text = (completed.stdout + completed.stderr).strip().splitlines()
    return text[0].strip() if text else None


# -- output ---------------------------------------------------------------------------------------------
TABLE_COLUMNS = ("connections", "requests", "seconds", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms",
                 "non-2xx/3xx", "socket errors (c/r/w/t)", "errors")


def table_row(run: dict) -> list[str]:
    latency, socket = run["latency_ms"], run["socket_errors"]
    return [str(run["connections"]), f"{run['requests']:,}", f"{run['duration_s']:.1f}",
            f"{run['throughput_rps']:.1f}", f"{latency['p50']:.1f}", f"{latency['p90']:.1f}",
            f"{latency['p99']:.1f}", f"{latency['max']:.1f}", f"{run['non_2xx_3xx']:,}",
            "/".join(str(socket[k]) for k in ("connect", "read", "write", "timeout")), f"{run['errors']:,}"]


def text_table(result: dict) -> list[str]:
    rows = [list(TABLE_COLUMNS)] + [table_row(run) for run in result["runs"]]
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_COLUMNS))]
    return ["  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]


def markdown_table(result: dict) -> str:
    lines = ["| " + " | ".join(TABLE_COLUMNS) + " |", "|" + " --- |" * len(TABLE_COLUMNS)]
    lines += ["| " + " | ".join(table_row(run)) + " |" for run in result["runs"]]
    return "\n".join(lines)


def one_line(run: dict) -> str:
    latency = run["latency_ms"]
    cpu = run.get("cpu") or {}
    return (f"{run['requests']:,} requests in {run['duration_s']:.1f} s = {run['throughput_rps']:.1f}/s; "
            f"p50 {latency['p50']:.1f} ms, p99 {latency['p99']:.1f} ms; errors {run['errors']:,} "
            f"(non-2xx/3xx {run['non_2xx_3xx']:,}, socket {sum(run['socket_errors'].values()):,}); "
            f"CPU: gunicorn {cpu.get('gunicorn_s')} s, PostgreSQL {cpu.get('postgres_s')} s = "
            f"{cpu.get('requests_per_cpu_s')} requests per CPU-second, machine {cpu.get('machine_busy_pct')} % busy")


def restart_lines(run: dict) -> list[str]:
    a = run["restart_analysis"]
    lines = [f"PostgreSQL restart (seconds after wrk's start): command began at {a['restart_began_s']} s and "
             f"returned at {a['restart_ended_s']} s (exit {a['restart_returncode']}); the database refused "
             f"connections from {a.get('postgres_down_s')} s and accepted them again at {a['postgres_ready_s']} s"]
    if not a["failed_requests"]:
        lines.append("no request failed")
        return lines
    lines.append(f"{a['failed_requests']:,} failed requests ({a['non_2xx_3xx']:,} non-2xx/3xx, "
                 f"{a['socket_errors']:,} socket errors); failing seconds {a['first_failing_second']}–"
                 f"{a['last_failing_second']} (window {a['outage_window_s']} s; first to last failing response "
                 f"{a['outage_exact_s']} s)")
    if a.get("answered_again_second") is not None:
        lines.append(f"answered 2xx again on its own (gunicorn not restarted) from second {a['answered_again_second']}; "
                     f"the last failing response came {a.get('recovery_after_restart_began_s')} s after the restart "
                     f"began and {a.get('last_error_after_postgres_ready_s')} s after PostgreSQL accepted connections "
                     f"again (negative: before); failing responses in the whole seconds after that: "
                     f"{a.get('errors_after_postgres_ready')}")
    else:
        lines.append("did NOT answer 2xx again before the run ended")
    return lines


def timeline_lines(run: dict, around: tuple[int, int] | None = None) -> list[str]:
    rows = run["timeline"]
    if around:
        rows = [row for row in rows if around[0] <= row["t"] <= around[1]]
    return ["   t  sent    ok  errors"] + [f"{row['t']:>4} {row['sent']:>5} {row['ok']:>5} {row['errors']:>7}"
                                            for row in rows]


def results_path(output_dir: Path, result: dict) -> Path:
    stamp = result["started_at"].replace(":", "").replace("-", "").replace("+0000", "Z")
    return output_dir / f"loadtest-{result['label']}-{result['kind']}-{stamp}.json"


def save(output_dir: Path, result: dict) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    path = results_path(output_dir, result)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def latest_results(output_dir: Path) -> list[dict]:
    """The newest result of every (database, kind) in ``output_dir``."""
    newest: dict[tuple[str, str], dict] = {}
    for path in sorted(output_dir.glob("loadtest-*.json")):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if result.get("schema") != SCHEMA_VERSION:
            continue
        key = (result["label"], result["kind"])
        if key not in newest or result["started_at"] >= newest[key]["started_at"]:
            newest[key] = result
    return [newest[key] for key in sorted(newest)]


DOCS_BEGIN = "<!-- loadtest:begin (generated by manage.py loadtest --update-docs; edit outside these markers) -->"
DOCS_END = "<!-- loadtest:end -->"


def markdown_section(results: list[dict]) -> str:
    if not results:
        return "_No results yet: run `make loadtest`._\n"
    newest = max(results, key=lambda result: result["started_at"])
    m, d = newest["machine"], newest["database"]
    parts: list[str] = [
        "### Machine (of the newest run)", "", "| | |", "|---|---|",
        f"| CPU | {m.get('cpu_model')} |", f"| nproc | {m.get('nproc')} |", f"| memory | {m.get('memory_gib')} GiB |",
        f"| kernel | {m.get('kernel')} |", f"| Python / Django | {m.get('python')} / {m.get('django')} |",
        f"| database | {d.get('vendor')} {d.get('server_version', '')} |", f"| wrk | {m.get('wrk')} |", "",
        "gunicorn, PostgreSQL and wrk share these cores: the figures are of the whole box, not of gunicorn alone.",
        "",
    ]
    for result in results:
        g, s, m = result["gunicorn"], result["settings"], result["machine"]
        threads = f" × {g['threads']} threads" if g["worker_class"] == "gthread" else ""
        title = "PostgreSQL restart" if result["kind"] == "restart" else "Load"
        config = f"with `-c {GUNICORN_CONFIG}`" if g.get("config") else "without a settings file"
        parts += [
            f"### {title} · `{result['label']}`",
            "",
            f"{result['mix']['practices_published']:,} published practices; {result['database'].get('vendor')} "
            f"{result['database'].get('server_version', '')}. gunicorn {g['workers']} {g['worker_class']} "
            f"workers{threads} {config}; wrk {s['duration_s']} s per connection count after {s['warmup_s']} s warm-up, "
            f"--timeout {s['wrk_timeout_s']} s; measured {result['started_at']} on {m.get('cpu_model')} "
            f"(nproc {m.get('nproc')}), load average {m.get('load_average')} → {m.get('load_average_end')}; "
            f"tree {result['tree'].get('commit')}"
            + (f" with {len(result['tree']['changed'])} uncommitted files" if result["tree"].get("changed") else "")
            + ".",
            "",
        ]
        if result.get("note"):
            parts += [f"Note: {result['note']}", ""]
        parts += [markdown_table(result), ""]
        cpu_lines = [f"{run['connections']} connections: gunicorn {run['cpu']['gunicorn_s']} s + PostgreSQL "
                     f"{run['cpu']['postgres_s']} s of CPU = {run['cpu']['requests_per_cpu_s']} requests per "
                     f"CPU-second; machine {run['cpu']['machine_busy_pct']} % busy, {run['cpu']['own_share_pct']} % "
                     "of it ours" for run in result["runs"] if run.get("cpu")]
        if cpu_lines:
            parts += ["CPU: " + "; ".join(cpu_lines) + ".", ""]
        for run in result["runs"]:
            if run.get("restart_analysis"):
                parts += [f"- {line}" for line in restart_lines(run)] + [""]
        parts += ["Status codes: " + "; ".join(
            f"{run['connections']} connections: " + ", ".join(
                f"{code} × {count:,}" for code, count in sorted(run["statuses"].items())) for run in result["runs"])
            + ".", ""]
        replaced = "replaced (see the log)" if g.get("workers_replaced") else "the same from start to end"
        if g.get("workers_replaced_note"):
            replaced += f" ({g['workers_replaced_note']})"
        summary = g.get("log_summary") or {}
        parts.append(f"gunicorn's workers were {replaced}; its log holds {summary.get('errors_logged', 0)} logged "
                     "errors" + ("" if not summary.get("exceptions") else ": " + "; ".join(
                         f"{e['count']} × `{short_exception(e['exception'])}`" for e in summary["exceptions"][:6]))
                     + ".")
        parts.append("")
    return "\n".join(parts)


def short_exception(text: str) -> str:
    """``OperationalError: connect: Connection refused`` rather than the driver's whole sentence."""
    name, _, message = text.partition(": ")
    message = re.sub(r'connection failed: connection to server at "[^"]*", port \d+ failed: ', "connect: ", message)
    return f"{name.rpartition('.')[2]}: {' '.join(message.split())}"[:120]


def update_docs(path: Path, generated: str) -> None:
    """Replace the text between the markers of ``path`` (appending them if absent)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{DOCS_BEGIN}\n\n{generated.rstrip()}\n\n{DOCS_END}"
    if DOCS_BEGIN in text and DOCS_END in text:
        head, _, rest = text.partition(DOCS_BEGIN)
        _, _, tail = rest.partition(DOCS_END)
        text = head + block + tail
    else:
        text = text.rstrip() + ("\n\n" if text else "") + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")

