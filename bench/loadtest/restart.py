"""Restarting PostgreSQL during a run, and what the restart did to the run (from wrk's timeline)."""
from __future__ import annotations

import os
import shlex
import subprocess
import threading
import time

from .options import LoadTestError, LoadTestOptions

RESTART_TIMEOUT = 120
# The restart of the local cluster (Debian's pg_ctlcluster; we run as root). {version} is the one
# directory under /etc/postgresql.
RESTART_COMMAND = "pg_ctlcluster --skip-systemctl-redirect {version} main restart"


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
