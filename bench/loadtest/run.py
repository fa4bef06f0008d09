"""The whole load test: URL files, gunicorn, warm-up, per connection count the static floor, the mix and
Datasette, the optional restart."""
from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ..machine import children, machine_description
from ..servers import MeasureError, datasette_command, serving
from .mix import prepare_facts
from .options import LoadTestError, LoadTestOptions, database_label, redact
from .output import SCHEMA_VERSION, one_line, restart_lines
from .restart import RESTART_TIMEOUT, Restarter, analyse_restart, restart_command
from .scenario import (
    STATIC_PATH,
    Plan,
    cache_directory_size,
    cleanup,
    collect_static,
    datasette_database_name,
    load_average,
    ratio,
    server_env_additions,
    sqlite_file,
)
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
from .wrk import WRK_SCRIPT, cache_summary, run_wrk, wrk_binary, wrk_command, wrk_version


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


def _wrk(options: LoadTestOptions, port: int, connections: int, duration: int, urls: Path) -> dict:
    """One wrk run with the machine's load average before and after."""
    command = wrk_command(options, port, connections, duration, urls)
    before = load_average()
    result = run_wrk(command, duration, options.timeout)
    result["load_average_before"], result["load_average_after"] = before, load_average()
    result["connections"], result["command"], result["url_file"] = connections, command, str(urls)
    return result


def _reference(result: dict) -> dict:
    """What the tables keep of a reference run (static file, Datasette)."""
    result.pop("wrk_text", None)
    return {k: result[k] for k in ("requests", "duration_s", "throughput_rps", "latency_ms", "errors", "non_2xx_3xx",
                                   "socket_errors", "statuses", "load_average_before", "load_average_after",
                                   "url_file", "command") if k in result}


def _check(port: int, paths: list[str], what: str, concurrency: int, log: Path) -> int:
    statuses = check_urls(port, paths, concurrency=concurrency)
    bad = {path: status for path, status in statuses.items() if status != 200}
    if bad:
        raise LoadTestError(f"{len(bad)} of {len(statuses)} {what} URLs do not answer 200 before the load: "
                            + ", ".join(f"{p} → {s}" for p, s in list(bad.items())[:5]) + f" (log: {log})")
    return len(statuses)


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
    datasette_file = sqlite_file(options.database_url, options.base_dir) if options.datasette else None
    env = server_env(options)
    started = time.time()
    kind = "restart" if restart else "load"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    workdir = options.output_dir / f"work-{label}-{kind}-{stamp}"
    workdir.mkdir(parents=True, exist_ok=True)
    write(f"Reading the catalogue of {redact(options.database_url)} …")
    data = prepare_facts(options, env, label, workdir)
    facts, database = data["facts"], data["database"]
    if database.get("unapplied_migrations"):
        write("WARNING: the database lacks migrations " + ", ".join(database["unapplied_migrations"]))
    env |= server_env_additions(options, workdir, env)
    if options.static_floor:
        write("collectstatic into the work directory (the static-file floor) …")
        collect_static(options, env)
    plan = Plan(options, facts, workdir)
    write(f"  scenario {plan.scenario}, hit share asked {options.hit_share:g} %: {len(plan.hot)} hot paths "
          f"({len(set(plan.hot))} distinct)" + (f", export {plan.export}" if plan.export else "")
          + (", page cache off" if options.cache_off else f", page cache in {env.get('DJANGO_PAGE_CACHE_DIR') or 'Redis'}"))
    log = options.output_dir / f"gunicorn-{label}-{kind}-{stamp}.log"
    result: dict = {
        "schema": SCHEMA_VERSION,
        "kind": kind,
        "label": label,
        "scenario": plan.scenario,
        "hit_share_asked": options.hit_share,
        "note": options.note,
        "database_url": redact(options.database_url),
        "database": database,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_description() | {"wrk": wrk_version()},
        "tree": _git_state(options.base_dir),
        "gunicorn": {"config": str(gunicorn_config(options) or ""), "worker_class": options.worker_class,
                     "workers": options.workers,
                     "threads": options.threads if options.worker_class == "gthread" else 1,
                     "timeout": options.gunicorn_timeout, "log": str(log),
                     "page_cache": "off" if options.cache_off else ("redis" if env.get("REDIS_URL") else "file")},
        "settings": {"duration_s": options.duration, "warmup_s": options.warmup, "wrk_timeout_s": options.timeout,
                     "connections": options.connections, "seed": options.seed,
                     "restart_postgres_at_s": options.restart_postgres_at, "static_floor": options.static_floor,
                     "datasette": options.datasette, "url_safety": options.url_safety,
                     "headers": HEADERS, "ssl_redirect": True, "debug": False},
        "workdir": str(workdir),
        "runs": [],
    }
    command = gunicorn_command(options)
    workers_label = (f"{options.workers} {options.worker_class} workers"
                     + (f" × {options.threads} threads" if options.worker_class == "gthread" else ""))
    write(f"Starting gunicorn ({workers_label}) …")
    try:
        with contextlib.ExitStack() as stack:
            port, process = stack.enter_context(serving(command, env=env, cwd=options.base_dir, what="gunicorn",
                                                        log=log))
            gunicorn = result["gunicorn"]
            gunicorn["port"], gunicorn["master_pid"] = port, process.pid
            concurrency = options.workers * max(1, options.threads)
            checked = _check(port, plan.health_paths() + ([STATIC_PATH] if options.static_floor else []),
                             "health-check", concurrency, log)
            # With preload_app the master forks the workers one after another once the app is loaded: the
            # first may answer before the last exists. Read the pids once every worker is there.
            deadline = time.monotonic() + 60
            while len(children(process.pid)) < options.workers and time.monotonic() < deadline:
                time.sleep(0.2)
            gunicorn["worker_pids_start"] = sorted(children(process.pid))
            write(f"  healthy on 127.0.0.1:{port}: all {checked} distinct URLs answer 200 "
                  f"({len(plan.probes)} of them cold probes, never used again)")
            gunicorn["worker_rss_start_mb"] = worker_rss(process.pid)
            datasette_port = None
            if datasette_file is not None:
                write(f"Starting Datasette on {datasette_file} …")
                datasette_urls = plan.datasette_file(datasette_database_name(datasette_file))
                datasette_port, _ = stack.enter_context(serving(
                    datasette_command(datasette_file), env=dict(os.environ), cwd=options.base_dir, what="datasette",
                    log=options.output_dir / f"datasette-{label}-{stamp}.log"))
                paths = [line.split(" ", 1)[1] for line in datasette_urls.read_text(encoding="utf-8").splitlines()
                         if line.startswith("datasette ")]
                _check(datasette_port, paths, "Datasette", 4, log)
                result["datasette"] = {"file": str(datasette_file), "command": datasette_command(datasette_file),
                                       "version": _datasette_version()}
            rate = None
            if options.warmup > 0:
                write(f"Warm-up: {options.warmup} s at {options.connections[0]} connections …")
                urls, _ = plan.file("warmup", rate_rps=None, duration=options.warmup)
                warm = _wrk(options, port, options.connections[0], options.warmup, urls)
                rate = warm["throughput_rps"] or None
                result["warmup"] = {k: warm[k] for k in ("requests", "errors", "throughput_rps")} | {
                    "page_cache": cache_summary(warm)}
            for connections in options.connections:
                floor = None
                if options.static_floor:
                    write(f"static file: {connections} connections for {options.duration} s …")
                    floor = _reference(_wrk(options, port, connections, options.duration, plan.static_file()))
                    write(f"  {floor['throughput_rps']:.1f} requests/s, p99 {floor['latency_ms']['p99']:.1f} ms")
                urls, record = plan.file(f"c{connections}", rate_rps=rate, duration=options.duration)
                write(f"wrk: {connections} connections for {options.duration} s ({record['lines']:,} lines) …")
                restarter = None
                if restart:
                    restarter = Restarter(command_to_restart, time.time() + options.restart_postgres_at,
                                          options.database_url)
                    restarter.start()
                with CpuMeter(process.pid, options.database_url) as meter:
                    run_result = _wrk(options, port, connections, options.duration, urls)
                run_result["cpu"] = meter.result(run_result["requests"])
                if restarter is not None:
                    restarter.join(timeout=RESTART_TIMEOUT * 2 + 10)
                    run_result["restart"] = restarter.record
                    run_result["restart_analysis"] = analyse_restart(run_result, restarter.record)
                cache = cache_summary(run_result)
                cache["wrap_possible"] = cache["wrap_possible"] and record["by_class"].get("cold", 0) > 0
                run_result["page_cache_seen"] = cache
                run_result["url_lines"] = record
                rate = max(rate or 0, run_result["throughput_rps"]) or None
                if floor is not None:
                    run_result["static_floor"], run_result["static_ratio"] = floor, ratio(run_result, floor)
                if datasette_port is not None:
                    write(f"Datasette: {connections} connections for {options.duration} s …")
                    reference = _reference(_wrk(options, datasette_port, connections, options.duration,
                                                datasette_urls))
                    run_result["datasette"], run_result["datasette_ratio"] = reference, ratio(run_result, reference)
                detail(run_result.pop("wrk_text"))
                result["runs"].append(run_result)
                write("  " + one_line(run_result))
                if cache["wrap_possible"]:
                    write(f"  WARNING: a wrk thread sent {cache['max_walk']:,} requests but its segment of the URL "
                          f"file holds {cache['min_segment']:,} lines: some cold URLs may have been asked twice")
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
        result["page_cache_directory"] = cache_directory_size(workdir)
        result["mix"] = plan.summary() | {"practices_published": facts["practices_published"],
                                          "categories": facts["categories"], "cities": facts["cities"]}
        cleanup(workdir)
    result["machine"]["load_average_end"] = load_average()
    result["seconds"] = round(time.time() - started, 1)
    return result


def _datasette_version() -> str | None:
    try:
        import datasette
    except ImportError:
        return None
    return getattr(datasette, "__version__", None)
