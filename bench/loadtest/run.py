"""The whole load test: URL mix, gunicorn, warm-up, wrk per connection count, the optional restart."""
from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ..machine import children, machine_description
from ..servers import MeasureError, serving
from .mix import prepare_urls
from .options import LoadTestError, LoadTestOptions, database_label, redact
from .output import SCHEMA_VERSION, one_line, restart_lines
from .restart import RESTART_TIMEOUT, Restarter, analyse_restart, restart_command
from .server import (
    HEADERS,
    CpuMeter,
    check_urls,
    gunicorn_command,
    gunicorn_config,
    server_env,
    summarise_log,
    worker_rss,
)
from .wrk import WRK_SCRIPT, run_wrk, wrk_binary, wrk_command, wrk_version


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
        "machine": machine_description() | {"wrk": wrk_version()},
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
        with serving(command, env=env, cwd=options.base_dir, what="gunicorn", log=log) as (port, process):
            gunicorn = result["gunicorn"]
            gunicorn["port"], gunicorn["master_pid"] = port, process.pid
            statuses = check_urls(port, mix["paths"], concurrency=options.workers * max(1, options.threads))
            # With preload_app the master forks the workers one after another once the app is loaded: the
            # first may answer before the last exists. Read the pids once every worker is there.
            deadline = time.monotonic() + 60
            while len(children(process.pid)) < options.workers and time.monotonic() < deadline:
                time.sleep(0.2)
            gunicorn["worker_pids_start"] = sorted(children(process.pid))
            bad = {path: status for path, status in statuses.items() if status != 200}
            if bad:
                raise LoadTestError(f"{len(bad)} of {len(statuses)} URLs do not answer 200 before the load: "
                                    + ", ".join(f"{p} → {s}" for p, s in list(bad.items())[:5]) + f" (log: {log})")
            write(f"  healthy on 127.0.0.1:{port}: all {len(statuses)} distinct URLs answer 200")
            gunicorn["worker_rss_start_mb"] = worker_rss(process.pid)
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
            gunicorn["worker_pids_end"] = sorted(children(process.pid))
            gunicorn["worker_rss_end_mb"] = worker_rss(process.pid)
            gunicorn["workers_replaced"] = gunicorn["worker_pids_end"] != gunicorn["worker_pids_start"]
            gunicorn["master_alive"] = process.poll() is None
    except MeasureError as exc:
        raise LoadTestError(f"{exc} (log: {log})") from exc
    finally:
        # The log is complete once gunicorn has stopped.
        if log.exists():
            result["gunicorn"]["log_summary"] = summarise_log(log.read_text(encoding="utf-8", errors="replace"))
    result["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    result["seconds"] = round(time.time() - started, 1)
    return result
