"""Build (or reuse) one database per engine and scale, and run a measuring worker against each.

Databases live apart from the project's own: SQLite files ``<data-dir>/bench-<scale>.sqlite3``
and PostgreSQL databases ``bench_<scale>`` on the server of ``--pg-url``. Each is built
by the project's own commands in a child process pointed at it through DATABASE_URL:
``migrate``, ``createcachetable``, ``load_catalogue``, ``generate_synthetic``, then
ANALYZE. A sidecar ``build-<engine>-<scale>.json`` records what was built (practices,
seed, migrations, generator version) and how long each step took; a database whose
sidecar matches and whose practice count is right is reused, so reruns are fast.

The worker is ``manage.py benchmark --in-place`` in a child process with the same
DATABASE_URL, DEBUG off and persistent connections (CONN_MAX_AGE 600), as production runs.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from . import report

ENGINES = ("sqlite", "postgresql")
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_SECRET_KEY = "benchmark-only-not-a-secret"


class BenchmarkError(Exception):
    """A database could not be built or a worker failed; str() says which and why."""


@dataclass
class HarnessOptions:
    scales: list[int]
    engines: list[str]
    base_dir: Path
    output_dir: Path
    data_dir: Path
    requests: int = 50
    export_requests: int = 10
    warmup: int = 3
    http: bool = True
    datasette: bool = True
    seed: int = 1
    pg_url: str = DEFAULT_PG_URL
    db_prefix: str = "bench"
    rebuild: bool = False
    pages: list[str] | None = None
    gunicorn_workers: int = 2
    page_budget: float = 60.0
    verbosity: int = 1
    extra_env: dict[str, str] = field(default_factory=dict)


def _label(scale: int) -> str:
    return report.scale_label(scale)


def sqlite_file(options: HarnessOptions, scale: int) -> Path:
    return options.data_dir / f"{options.db_prefix}-{_label(scale)}.sqlite3"


def pg_database(options: HarnessOptions, scale: int) -> str:
    return f"{options.db_prefix}_{_label(scale)}".replace("-", "_").lower()


def database_url(options: HarnessOptions, engine: str, scale: int) -> str:
    if engine == "sqlite":
        return f"sqlite:///{sqlite_file(options, scale).resolve()}"
    parts = urlsplit(options.pg_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + pg_database(options, scale), parts.query, ""))


def child_env(options: HarnessOptions, url: str) -> dict[str, str]:
    """The environment of every child: the bench database, DEBUG off, persistent connections."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or BENCH_SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_CONN_MAX_AGE": "600",
        "DJANGO_LOG_LEVEL": "ERROR",
        # Production serves collected static files; the benchmark times pages, not assets.
        "DJANGO_STATIC_MANIFEST": "0",
        # As behind a TLS-terminating proxy: requests say X-Forwarded-Proto: https.
        "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
        "PYTHONUNBUFFERED": "1",
        # The page cache would answer every repeated request from its store: the benchmark times
        # what a page costs to make (a cache miss); `manage.py loadtest` times hits and mixes.
        "DJANGO_PAGE_CACHE": "0",
    })
    env.update(options.extra_env)
    return env


def build_key(options: HarnessOptions, scale: int) -> dict:
    """What a cached database must match to be reused."""
    from .synthetic import GENERATOR_VERSION

    return {"practices": scale, "seed": options.seed, "generator": GENERATOR_VERSION,
            "migrations": migration_names()}


def migration_names() -> list[str]:
    """Every migration on disk of every installed app, as "app.name" (a new app or migration changes it)."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(f"{app}.{name}" for app, name in loader.disk_migrations)


def _normalise(names: list[str]) -> list[str]:
    # Sidecars written before every app was counted listed the practices app's migrations bare.
    return [name if "." in name else f"practices.{name}" for name in names]


def _sidecar(options: HarnessOptions, engine: str, scale: int) -> Path:
    return options.data_dir / f"build-{engine}-{_label(scale)}.json"


def _count_practices(options: HarnessOptions, engine: str, scale: int) -> int | None:
    """Practices in the bench database, None when it does not exist or cannot be read."""
    try:
        if engine == "sqlite":
            path = sqlite_file(options, scale)
            if not path.exists():
                return None
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                return db.execute("SELECT count(*) FROM practices_practice").fetchone()[0]
        import psycopg

        with psycopg.connect(database_url(options, engine, scale), connect_timeout=5) as db:
            return db.execute("SELECT count(*) FROM practices_practice").fetchone()[0]
    except Exception:  # missing database or table: not reusable
        return None


def _manage(options: HarnessOptions, args: list[str], env: dict, log: Path) -> tuple[float, str]:
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, str(options.base_dir / "manage.py"), *args], env=env,
                               cwd=options.base_dir, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(f"$ manage.py {' '.join(args)}  ({elapsed:.1f} s, exit {completed.returncode})\n")
        handle.write(completed.stdout + completed.stderr + "\n")
    if completed.returncode != 0:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-5:]
        raise BenchmarkError(f"manage.py {' '.join(args)} failed (exit {completed.returncode}): "
                             + " | ".join(tail) + f" (log: {log})")
    return elapsed, completed.stdout


def _recreate(options: HarnessOptions, engine: str, scale: int) -> None:
    if engine == "sqlite":
        path = sqlite_file(options, scale)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    name = pg_database(options, scale)
    try:
        with psycopg.connect(options.pg_url, autocommit=True, connect_timeout=10) as db:
            db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        raise BenchmarkError(f"cannot create PostgreSQL database {name} via {options.pg_url}: {exc}") from exc


def _analyze(options: HarnessOptions, engine: str, scale: int) -> None:
    if engine == "sqlite":
        with sqlite3.connect(sqlite_file(options, scale)) as db:
            db.execute("ANALYZE")
        return
    import psycopg

    with psycopg.connect(database_url(options, engine, scale), autocommit=True) as db:
        db.execute("VACUUM ANALYZE")


def prepare(options: HarnessOptions, engine: str, scale: int, write: Callable[[str], None]) -> dict:
    """Reuse or build the database of ``engine`` at ``scale``; returns its sidecar record."""
    options.data_dir.mkdir(parents=True, exist_ok=True)
    sidecar = _sidecar(options, engine, scale)
    key = build_key(options, scale)
    if not options.rebuild and sidecar.exists():
        try:
            record = json.loads(sidecar.read_text(encoding="utf-8"))
        except ValueError:
            record = {}
        old = record.get("key") or {}
        if old == key and _count_practices(options, engine, scale) == scale:
            write(f"Reusing the {engine} database at {_label(scale)} (built {record.get('built_at', '?')}).")
            return record
        same_data = {k: v for k, v in old.items() if k != "migrations"} == {
            k: v for k, v in key.items() if k != "migrations"}
        applied = _normalise(old.get("migrations") or [])
        new_migrations = [name for name in key["migrations"] if name not in applied]
        if (same_data and applied and set(applied) <= set(key["migrations"])
                and _count_practices(options, engine, scale) == scale):
            # Only new migrations since the build: apply them rather than rebuild (the data is the same).
            log = options.data_dir / f"build-{engine}-{_label(scale)}.log"
            env = child_env(options, database_url(options, engine, scale))
            write(f"Migrating the cached {engine} database at {_label(scale)} "
                  f"({', '.join(new_migrations)}) …")
            seconds, _ = _manage(options, ["migrate", "--noinput", "-v0"], env, log)
            _analyze(options, engine, scale)
            record["key"] = key
            record.setdefault("timings", {})["migrate_later"] = round(seconds, 1)
            sidecar.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            return record
    write(f"Building the {engine} database at {_label(scale)} …")
    sidecar.unlink(missing_ok=True)
    log = options.data_dir / f"build-{engine}-{_label(scale)}.log"
    log.write_text("", encoding="utf-8")
    _recreate(options, engine, scale)
    env = child_env(options, database_url(options, engine, scale))
    timings: dict[str, float] = {}
    timings["migrate"], _ = _manage(options, ["migrate", "--noinput", "-v0"], env, log)
    timings["createcachetable"], _ = _manage(options, ["createcachetable", "-v0"], env, log)
    timings["load_catalogue"], _ = _manage(options, ["load_catalogue", "-v0"], env, log)
    real = _count_practices(options, engine, scale) or 0
    if scale < real:
        raise BenchmarkError(f"scale {scale} is below the real catalogue's {real} practices")
    output = ""
    if scale > real:
        timings["generate_synthetic"], output = _manage(
            options, ["generate_synthetic", "--practices", str(scale - real), "--seed", str(options.seed)], env, log)
    started = time.perf_counter()
    _analyze(options, engine, scale)
    timings["analyze"] = time.perf_counter() - started
    count = _count_practices(options, engine, scale)
    if count != scale:
        raise BenchmarkError(f"the {engine} database at {_label(scale)} has {count} practices, not {scale}")
    record = {"key": key, "engine": engine, "url": database_url(options, engine, scale),
              "timings": {k: round(v, 1) for k, v in timings.items()}, "generate_output": output.strip(),
              "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    sidecar.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    write(f"Built in {sum(timings.values()):.0f} s: "
          + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    return record


def run_worker(options: HarnessOptions, engine: str, scale: int, write: Callable[[str], None]) -> dict:
    """Measure the bench database of ``engine`` at ``scale`` in a child process; returns its results."""
    label = _label(scale)
    args = ["benchmark", "--in-place", "--scale-label", label, "--requests", str(options.requests),
            "--export-requests", str(options.export_requests), "--warmup", str(options.warmup),
            "--gunicorn-workers", str(options.gunicorn_workers), "--page-budget", str(options.page_budget),
            "--output-dir", str(options.output_dir),
            "--build-info", str(_sidecar(options, engine, scale)), "-v", "2" if options.verbosity >= 2 else "0"]
    if not options.http:
        args.append("--no-http")
    if not options.datasette:
        args.append("--no-datasette")
    if options.pages:
        args += ["--pages", ",".join(options.pages)]
    env = child_env(options, database_url(options, engine, scale))
    write(f"Measuring {engine} at {label} …")
    started = time.perf_counter()
    log = options.data_dir / f"worker-{engine}-{label}.log"
    lines: list[str] = []
    with open(log, "w", encoding="utf-8") as handle:
        process = subprocess.Popen([sys.executable, str(options.base_dir / "manage.py"), *args], env=env,
                                   cwd=options.base_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in process.stdout:
            handle.write(line)
            lines.append(line.rstrip("\n"))
            if line.startswith("  "):  # the worker's progress lines (its table is printed here instead)
                write(line.rstrip("\n"))
        returncode = process.wait()
    if returncode != 0:
        tail = [line for line in lines if line.strip()][-5:]
        raise BenchmarkError(f"the {engine} {label} worker failed (exit {returncode}): "
                             + " | ".join(tail) + f" (log: {log})")
    path = report.results_path(options.output_dir, engine, label)
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BenchmarkError(f"the {engine} {label} worker wrote no readable {path}: {exc}") from exc
    write(f"Measured in {time.perf_counter() - started:.0f} s → {path}")
    return result


def run(options: HarnessOptions, write: Callable[[str], None]) -> tuple[list[dict], list[str]]:
    """Every engine × scale: (results, failures). A failure does not stop the others."""
    results, failures = [], []
    options.output_dir.mkdir(parents=True, exist_ok=True)
    for engine in options.engines:
        for scale in options.scales:
            try:
                prepare(options, engine, scale, write)
                results.append(run_worker(options, engine, scale, write))
            except BenchmarkError as exc:
                failures.append(str(exc))
                write(f"FAILED: {exc}")
    return results, failures
