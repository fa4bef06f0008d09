"""The load test (bench/loadtest/, bench/wrk/mix.lua, manage.py loadtest): its analysis, and one real run.

The real run starts gunicorn with the production settings on the real catalogue (72 practices, a
SQLite file built like the benchmark builds its databases) and drives it with wrk for 3 s. It
needs Debian's wrk (`make test` installs it through .ci/loadtest-deps): without it the test
fails, it never skips.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from bench import loadtest

BASE_DIR = Path(settings.BASE_DIR)
RUN_KEYS = {"requests", "responses", "duration_s", "throughput_rps", "ok", "non_2xx_3xx", "socket_errors", "errors",
            "statuses", "latency_ms", "timeline", "started_ms", "connections", "command"}


def _timeline(rows: list[tuple[int, int]]) -> list[dict]:
    return [{"t": t, "sent": ok + errors, "ok": ok, "errors": errors} for t, (ok, errors) in enumerate(rows)]


def test_restart_analysis_finds_the_outage_and_the_recovery():
    t0 = 1_000_000
    result = {
        "started_ms": t0, "errors": 57, "non_2xx_3xx": 50,
        "socket_errors": {"connect": 7, "read": 0, "write": 0, "timeout": 0},
        "first_error_ms": t0 + 10_200, "last_error_ms": t0 + 12_700,
        "timeline": _timeline([(30, 0)] * 10 + [(5, 20), (0, 25), (8, 5)] + [(30, 0)] * 5),
    }
    restart = {"began_ms": t0 + 10_000, "ended_ms": t0 + 12_000, "ready_ms": t0 + 12_100, "returncode": 0}
    analysis = loadtest.analyse_restart(result, restart)
    assert analysis["failed_requests"] == 57 and analysis["socket_errors"] == 7
    assert (analysis["first_failing_second"], analysis["last_failing_second"]) == (10, 12)
    assert analysis["outage_window_s"] == 3 and analysis["outage_exact_s"] == 2.5
    assert analysis["restart_began_s"] == 10.0 and analysis["postgres_ready_s"] == 12.1
    assert analysis["answered_again_second"] == 13
    assert analysis["recovery_after_restart_began_s"] == 2.7
    assert analysis["last_error_after_postgres_ready_s"] == 0.6
    assert analysis["errors_after_postgres_ready"] == 0 and analysis["recovered_without_restart"] is True


def test_restart_analysis_notices_errors_that_never_stop():
    t0 = 0
    result = {"started_ms": t0, "errors": 40, "non_2xx_3xx": 40,
              "socket_errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0},
              "first_error_ms": 5_100, "last_error_ms": 9_900,
              "timeline": _timeline([(30, 0)] * 5 + [(0, 8)] * 5)}
    analysis = loadtest.analyse_restart(result, {"began_ms": 5_000, "ended_ms": 6_000, "ready_ms": 6_500})
    assert analysis["answered_again_second"] is None and analysis["recovered_without_restart"] is False
    assert analysis["errors_after_postgres_ready"] == 24
    assert analysis["failing_seconds_after_postgres_ready"] == [7, 8, 9]


def test_wrk_output_and_gunicorn_log_are_parsed():
    text = "Running 3s test\n  2 threads\nLOADTEST_JSON {\"requests\": 3, \"timeline\": []}\n"
    assert loadtest.parse_wrk_output(text) == {"requests": 3, "timeline": []}
    with pytest.raises(loadtest.LoadTestError, match="no LOADTEST_JSON"):
        loadtest.parse_wrk_output("wrk: connection refused\n")
    refused = "connection failed: server at \"127.0.0.1\", port 5432 failed: Connection refused"
    log = ("Internal Server Error: /\nTraceback (most recent call last):\n  File \"x.py\", line 1\n    x()\n"
           f"psycopg.OperationalError: {refused}\n\tIs the server running on that host?\n\n"
           "The above exception was the direct cause of the following exception:\n\n"
           "Traceback (most recent call last):\n  File \"y.py\", line 2\n"
           f"django.db.utils.OperationalError: {refused}\n\tIs the server running on that host?\n"
           "Traceback (most recent call last):\n  File \"z.py\", line 3\n"
           "django.db.utils.OperationalError: terminating connection due to administrator command\n"
           "[2026-01-01 00:00:00 +0000] [7] [INFO] Booting worker with pid: 7\n")
    summary = loadtest.summarise_log(log)
    assert summary["errors_logged"] == 2 and summary["worker_boots"] == 1
    assert summary["exceptions"] == [
        {"exception": f"django.db.utils.OperationalError: {refused}", "count": 1},
        {"exception": "django.db.utils.OperationalError: terminating connection due to administrator command",
         "count": 1}]


def test_update_docs_replaces_only_the_generated_block(tmp_path):
    docs = tmp_path / "reliability.md"
    docs.write_text("# Reliability\n\nHand-written.\n", encoding="utf-8")
    loadtest.update_docs(docs, "first\n")
    loadtest.update_docs(docs, "second\n")
    text = docs.read_text(encoding="utf-8")
    assert text.startswith("# Reliability\n\nHand-written.\n")
    assert "second" in text and "first" not in text
    assert text.count(loadtest.DOCS_BEGIN) == 1 and text.count(loadtest.DOCS_END) == 1


def test_bad_arguments_are_command_errors(tmp_path):
    out = StringIO()
    with pytest.raises(CommandError, match="--connections"):
        call_command("loadtest", "--connections", "ten", "--output-dir", str(tmp_path), stdout=out)
    with pytest.raises(CommandError, match="at least 1"):
        call_command("loadtest", "--duration", "0", "--output-dir", str(tmp_path), stdout=out)
    with pytest.raises(CommandError, match="one --connections"):
        call_command("loadtest", "--restart-postgres-at", "5", "--connections", "16,64",
                     "--output-dir", str(tmp_path), stdout=out)
    with pytest.raises(CommandError, match="inside the run"):
        call_command("loadtest", "--restart-postgres-at", "90", "--duration", "60",
                     "--output-dir", str(tmp_path), stdout=out)
    with pytest.raises(CommandError, match="no loadtest"):
        call_command("loadtest", "--report-only", "--output-dir", str(tmp_path), stdout=out)


# -- the real thing: gunicorn + wrk on the real catalogue ---------------------------------------------
def _manage(args: list[str], env: dict, timeout: int) -> subprocess.CompletedProcess:
    completed = subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], env=env, cwd=BASE_DIR,
                               capture_output=True, text=True, timeout=timeout)
    assert completed.returncode == 0, f"manage.py {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}"
    return completed


@pytest.mark.slow
@pytest.mark.skipif(connection.vendor != "sqlite", reason="builds its own SQLite database; once per suite is enough")
def test_real_load_test_on_the_real_catalogue(tmp_path, scratch_catalogue):
    if shutil.which("wrk") is None:
        pytest.fail("wrk is not installed: the load test cannot run. `make test` installs it "
                    "(bash .ci/loadtest-deps, i.e. apt-get install wrk).")
    database = scratch_catalogue.path  # migrated and loaded once per session (tests/scratch.py)
    env = dict(os.environ) | {"DATABASE_URL": f"sqlite:///{database}", "DJANGO_SETTINGS_MODULE": "bench.settings",
                              "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "test-only-not-a-secret"}
    output = tmp_path / "out"
    completed = _manage(["loadtest", "--database-url", f"sqlite:///{database}", "--connections", "4",
                         "--duration", "3", "--warmup", "1", "--timeout", "10", "--output-dir", str(output)],
                        env, timeout=300)
    files = sorted(output.glob("loadtest-*.json"))
    assert len(files) == 1, completed.stdout
    result = json.loads(files[0].read_text(encoding="utf-8"))
    assert str(files[0]) in completed.stdout and "req/s" in completed.stdout

    assert result["schema"] == loadtest.SCHEMA_VERSION and result["kind"] == "load"
    assert result["database"]["vendor"] == "sqlite" and result["database"]["debug"] is False
    assert result["mix"]["practices_published"] == 72
    assert sum(result["mix"]["kinds"].values()) == 100 and result["mix"]["unique"] > 50
    assert result["gunicorn"]["workers_replaced"] is False and result["gunicorn"]["master_alive"] is True
    assert result["gunicorn"]["log_summary"]["errors_logged"] == 0
    assert len(result["runs"]) == 1
    run = result["runs"][0]
    assert RUN_KEYS <= set(run)
    assert run["connections"] == 4
    assert run["requests"] > 0 and run["responses"] == run["requests"]
    assert run["errors"] == 0 and run["non_2xx_3xx"] == 0 and sum(run["socket_errors"].values()) == 0
    # Every answer was a 200: no HTTPS redirect (wrk sends X-Forwarded-Proto: https), no 4xx/5xx.
    assert set(run["statuses"]) == {"200"} and run["redirects"] == 0
    latency = run["latency_ms"]
    assert 0 < latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"]
    assert 2.5 < run["duration_s"] < 10
    assert run["throughput_rps"] == pytest.approx(run["requests"] / run["duration_s"], rel=0.01)
    assert [row["t"] for row in run["timeline"]] == list(range(len(run["timeline"])))
    assert sum(row["ok"] for row in run["timeline"]) == run["ok"] == run["requests"]
    assert sum(row["errors"] for row in run["timeline"]) == 0
