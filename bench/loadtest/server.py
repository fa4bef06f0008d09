"""gunicorn under test: its environment and command, the health check, its log, and the CPU it used."""
from __future__ import annotations

import os
import re
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from ..machine import children, rss_mb
from ..servers import http_get
from .options import LoadTestOptions

LOADTEST_SECRET_KEY = "loadtest-only-not-a-secret"
# Passed with -c when present, so that what is measured is what `make serve` deploys; the options
# below (bind, workers, worker class, threads, timeout) override it.
GUNICORN_CONFIG = "catalogue/gunicorn.py"
EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Warning|Timeout)): ?(.*)$")
HEADERS = {"X-Forwarded-Proto": "https"}


def server_env(options: LoadTestOptions) -> dict[str, str]:
    """Production settings against the target database, as `make serve` runs them behind a proxy."""
    env = dict(os.environ)
    env.pop("DJANGO_CONN_MAX_AGE", None)
    env.update({
        # The public site's settings (no bench app): what is measured is what is deployed.
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


def check_urls(port: int, paths: list[str], *, concurrency: int) -> dict[str, int]:
    """Every distinct path once (also warms every worker up): {path: status}."""
    unique = list(dict.fromkeys(paths))

    def status(path: str) -> int:
        try:
            return http_get(port, path, headers=HEADERS)[0]
        except OSError:
            return 0

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return dict(zip(unique, pool.map(status, unique), strict=True))


def worker_rss(pid: int) -> list[float]:
    return [round(rss_mb(child) or 0, 1) for child in sorted(children(pid))]


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
        workers = {pid: process_cpu_seconds(pid) for pid in children(self.master_pid)}
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
