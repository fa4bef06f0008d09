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
    with pytest.raises(CommandError, match="mix only"):
        call_command("loadtest", "--scenario", "cached", "--hit-share", "80", "--output-dir", str(tmp_path), stdout=out)
    with pytest.raises(CommandError, match="between 0 and 100"):
        call_command("loadtest", "--hit-share", "101", "--output-dir", str(tmp_path), stdout=out)
    with pytest.raises(CommandError, match="SQLite"):
        call_command("loadtest", "--datasette", "--database-url", "postgres://x@127.0.0.1/db",
                     "--output-dir", str(tmp_path), stdout=out)
    with pytest.raises(CommandError, match="no loadtest"):
        call_command("loadtest", "--report-only", "--output-dir", str(tmp_path), stdout=out)


# -- the URL files: hit share, cold URLs used once, no wrap ----------------------------------------------
def _facts(practices: int = 1000) -> dict:
    categories = [f"cat-{i}" for i in range(5)]
    cities = [f"city-{i}" for i in range(10)]
    return {"categories": categories, "category_ids": {c: i + 1 for i, c in enumerate(categories)},
            "category_counts": {c: practices // 5 for c in categories}, "cities": cities,
            "city_counts": {c: practices // 20 for c in cities}, "all_cities": cities + ["far-away"],
            "numbers": list(range(1, practices + 1)), "practices_published": practices,
            "export": {"query": "category=cat-1&city=city-2", "rows": 12}}


def _read_url_file(path: Path) -> list[tuple[str, str]]:
    return [tuple(line.split(" ", 1)) for line in path.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]


def test_every_stretch_of_a_url_file_holds_the_asked_share():
    facts = _facts()
    hot, _ = loadtest.hot_paths("mix", facts, seed=3)
    pool = loadtest.ColdPool(facts, exclude=set(hot), seed=3)
    lines = loadtest.build_lines(hot, lines=2000, hit_share=80, pool=pool, export=loadtest.urlplan.export_path(facts),
                                 seed=3)
    assert len(lines) == 2000
    classes = [cls for cls, _ in lines]
    assert classes.count("hot") == 1600 and classes.count("export") == 40 and classes.count("cold") == 360
    for start in range(0, 2000, loadtest.urlplan.BLOCK):
        block = classes[start:start + loadtest.urlplan.BLOCK]
        assert abs(sum(cls != "hot" for cls in block) - 4) <= 1
    cold = [path for cls, path in lines if cls == "cold"]
    assert len(set(cold)) == len(cold) and not set(cold) & set(hot)
    # Seeded: the same seed gives the same file.
    again = loadtest.build_lines(hot, lines=2000, hit_share=80, pool=loadtest.ColdPool(facts, exclude=set(hot), seed=3),
                                 export=loadtest.urlplan.export_path(facts), seed=3)
    assert again == lines
    # Hit share 100 and hit share 0 have no cold URL.
    assert {cls for cls, _ in loadtest.build_lines(hot, lines=300, hit_share=100, pool=pool, export=None, seed=1)} == {"hot"}
    zero = loadtest.urlplan.with_exports(hot, loadtest.urlplan.export_path(facts), seed=1)
    assert {cls for cls, _ in zero} == {"hot", "export"} and set(hot) <= {path for _, path in zero}


def test_cold_urls_are_used_once_in_the_whole_load_test(tmp_path):
    options = loadtest.LoadTestOptions(base_dir=BASE_DIR, output_dir=tmp_path, hit_share=70, seed=5)
    plan = loadtest.Plan(options, _facts(practices=300), tmp_path)
    health = set(plan.health_paths())
    assert plan.probes and set(plan.probes) <= health and set(plan.hot) <= health and plan.export in health
    files = [plan.file("warmup", rate_rps=None, duration=1),
             plan.file("c16", rate_rps=150, duration=2), plan.file("c64", rate_rps=150, duration=2)]
    seen: set[str] = set()
    for path, record in files:
        lines = _read_url_file(path)
        assert len(lines) == record["lines"] and record["by_class"]["cold"] == sum(c == "cold" for c, _ in lines)
        cold = [p for cls, p in lines if cls == "cold"]
        assert len(cold) == len(set(cold)), "a cold URL twice in one file"
        assert not set(cold) & health, "a cold URL the health check fetched"
        assert not set(cold) & seen, "a cold URL of an earlier file"
        seen |= set(cold)
        share = sum(cls == "hot" for cls, _ in lines) / len(lines)
        assert share == pytest.approx(0.70, abs=0.01)
    # 300 practices run out of real cold pages: the rest are list pages past the end, and counted.
    handed = plan.summary()["cold_handed"]
    assert handed["detail"] > 0 and handed["past_end"] > 0 and sum(handed.values()) == len(seen)


def test_a_url_file_is_long_enough_that_wrk_does_not_wrap():
    lines = loadtest.urlplan.run_lines(400, 60, safety=3, minimum=200)
    assert lines == 72_000
    for threads in (1, 2, 7):
        segments = loadtest.segments(lines, threads)
        assert sum(segments) == lines
        # Each thread has three times the requests a thread makes at 400 requests/s for 60 s.
        assert min(segments) >= 3 * 400 * 60 // threads - 1
    assert loadtest.urlplan.run_lines(1, 1, safety=3, minimum=200) == 200


def test_the_lua_counters_are_read():
    line = {"requests": 10, "page_cache": {"hit": 7, "miss": 2, "revalidated": 0, "absent": 1, "other": 0},
            "sent_by_class": {"hot": 8, "cold": 2, "export": 1},
            "thread_walks": [{"sent": 6, "segment": 50}, {"sent": 5, "segment": 50}]}
    parsed = loadtest.parse_wrk_output("Running 2s test\nLOADTEST_JSON " + json.dumps(line) + "\n")
    summary = loadtest.cache_summary(parsed)
    assert summary["hit_share_pct"] == 70.0 and summary["by_header"]["absent"] == 1
    assert summary["sent_by_class"] == {"hot": 8, "cold": 2, "export": 1}
    assert summary["wrap_possible"] is False and summary["max_walk"] == 6 and summary["min_segment"] == 50
    parsed["thread_walks"][1]["sent"] = 51
    assert loadtest.cache_summary(parsed)["wrap_possible"] is True
    assert loadtest.cache_summary({"requests": 0})["hit_share_pct"] is None


def test_results_of_the_first_schema_stay_readable(tmp_path):
    run = {"connections": 16, "requests": 10, "duration_s": 1.0, "throughput_rps": 10.0, "non_2xx_3xx": 0, "errors": 0,
           "latency_ms": {"p50": 1.0, "p90": 2.0, "p99": 3.0, "max": 4.0},
           "socket_errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0}, "statuses": {"200": 10}}
    base = {"kind": "load", "label": "sqlite-x", "note": "", "database": {"vendor": "sqlite"}, "machine": {},
            "tree": {}, "gunicorn": {"workers": 2, "worker_class": "sync", "threads": 1},
            "settings": {"duration_s": 1, "warmup_s": 0, "wrk_timeout_s": 5}, "mix": {"practices_published": 72}}
    old = base | {"schema": 1, "started_at": "2026-01-01T00:00:00+00:00", "runs": [dict(run)]}
    new = base | {"schema": loadtest.SCHEMA_VERSION, "started_at": "2026-01-02T00:00:00+00:00", "scenario": "mix",
                  "hit_share_asked": 80, "runs": [run | {
                      "page_cache_seen": {"hit_share_pct": 79.5, "by_header": {"hit": 8}, "sent_by_class": {"hot": 8},
                                          "max_walk": 5, "min_segment": 9, "wrap_possible": False},
                      "load_average_before": [1.0, 1, 1], "load_average_after": [2.0, 1, 1],
                      "static_floor": run | {"throughput_rps": 40.0}, "static_ratio": 0.25}]}
    for i, result in enumerate((old, new)):
        (tmp_path / f"loadtest-{i}.json").write_text(json.dumps(result), encoding="utf-8")
    results = loadtest.latest_results(tmp_path)
    assert [r["schema"] for r in results] == [loadtest.SCHEMA_VERSION, 1]  # two keys: the hit share differs
    text = loadtest.markdown_section(results)
    assert "hit share not controlled" in text and "hit share asked 80 %" in text
    assert "| 79.5 | 1.00 → 2.00 |" in text and "0.25" in text


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
                         "--duration", "3", "--warmup", "1", "--timeout", "10", "--hit-share", "80",
                         "--output-dir", str(output)], env, timeout=300)
    files = sorted(output.glob("loadtest-*.json"))
    assert len(files) == 1, completed.stdout
    result = json.loads(files[0].read_text(encoding="utf-8"))
    assert str(files[0]) in completed.stdout and "req/s" in completed.stdout

    assert result["schema"] == loadtest.SCHEMA_VERSION and result["kind"] == "load"
    assert result["database"]["vendor"] == "sqlite" and result["database"]["debug"] is False
    assert result["mix"]["practices_published"] == 72
    assert result["scenario"] == "mix" and result["hit_share_asked"] == 80
    assert sum(result["mix"]["kinds"].values()) == 98 and result["mix"]["unique"] > 50
    assert result["mix"]["export"].startswith("/practices/export.csv?")
    # The page cache started empty in the load test's own directory, and that directory is gone.
    assert result["page_cache_directory"]["entries"] > 0 and not (Path(result["workdir"]) / "page-cache").exists()
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
    # The hit share, as the X-Page-Cache header told it: every hot line a hit (the health check
    # stored them), every cold line and export a miss (each cold URL asked once, by nobody else).
    seen = run["page_cache_seen"]
    sent, headers = seen["sent_by_class"], seen["by_header"]
    assert seen["wrap_possible"] is False and seen["max_walk"] <= seen["min_segment"]
    in_flight = run["connections"] + run["threads"]  # sent when wrk stopped (one a connection), never answered
    assert sent["cold"] > 0 and sent["cold"] - in_flight <= headers["miss"] <= sent["cold"]
    assert sent["hot"] - in_flight <= headers["hit"] <= sent["hot"]
    assert sent.get("export", 0) - in_flight <= headers["absent"] <= sent.get("export", 0)
    assert 70 <= seen["hit_share_pct"] <= 90
    assert f"{seen['hit_share_pct']:.1f}" in completed.stdout
    assert sum(row["ok"] for row in run["timeline"]) == run["ok"] == run["requests"]
    assert sum(row["errors"] for row in run["timeline"]) == 0
