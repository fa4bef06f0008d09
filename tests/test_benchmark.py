"""The benchmark harness: the shape of what it records, never the timings themselves."""
from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from bench import measure, report
from bench.management.commands.benchmark import PAGE_NAMES

SUMMARY_KEYS = {"n", "p50_ms", "p95_ms", "mean_ms", "min_ms", "max_ms"}


# -- pure helpers ------------------------------------------------------------------
def test_percentile_interpolates_between_order_statistics():
    assert measure.percentile([4, 1, 3, 2], 0.5) == 2.5
    assert measure.percentile([1, 2, 3, 4, 5], 0.95) == pytest.approx(4.8)
    assert measure.percentile([7], 0.95) == 7
    with pytest.raises(ValueError):
        measure.percentile([], 0.5)


def test_summary_is_in_milliseconds():
    stats = measure.summary([0.010, 0.020, 0.030])
    assert set(stats) == SUMMARY_KEYS
    assert stats["n"] == 3 and stats["p50_ms"] == 20 and stats["min_ms"] == 10 and stats["max_ms"] == 30


def test_repeat_stops_at_the_budget_but_not_below_the_minimum():
    assert len(measure.repeat(lambda: 0.001, 50, budget=3600)) == 50
    assert len(measure.repeat(lambda: 0.001, 50, budget=0)) == measure.MIN_REQUESTS
    assert len(measure.repeat(lambda: 0.001, 3, budget=0)) == 3


@pytest.mark.parametrize(("text", "practices", "label"), [("72", 72, "72"), ("10k", 10_000, "10k"),
                                                          ("100K", 100_000, "100k"), ("2500", 2500, "2500")])
def test_scales(text, practices, label):
    assert report.parse_scale(text) == practices
    assert report.scale_label(practices) == label


@pytest.mark.parametrize("text", ["", "k", "-5", "ten", "0"])
def test_bad_scales(text):
    with pytest.raises(ValueError):
        report.parse_scale(text)


def _fake_result(engine: str, practices: int, p50: float, *, datasette: float | None = None) -> dict:
    pages = []
    for name in PAGE_NAMES:
        record = {"name": name, "url": f"/{name}", "status": 200, "missing": False, "queries": 5,
                  "inprocess": {"p50_ms": p50, "p95_ms": p50 * 1.5},
                  "http": {"p50_ms": p50 + 1, "p95_ms": p50 * 1.5 + 1}}
        if name == "export_csv":
            record["export"] = True
            record["export_stats"] = {"rows": 10_000, "http_rows_per_s": 25_000.0, "http_peak_rss_mb": 250.0}
        if datasette is not None and name == "list_category":
            record["datasette"] = {"p50_ms": datasette, "p95_ms": datasette}
        pages.append(record)
    pages[0] = {"name": "home", "url": "/", "status": 404, "missing": True}
    return {"engine": engine, "scale": {"label": report.scale_label(practices), "practices": practices},
            "pages": pages}


def test_targets_are_judged_against_the_largest_postgresql_run():
    results = [_fake_result("postgresql", 10_000, 10), _fake_result("postgresql", 100_000, 30),
               _fake_result("sqlite", 100_000, 30, datasette=20)]
    rows = report.evaluate(results)
    by = {(row["key"], row["page"]): row for row in rows}
    # HTTP p95 is what counts: 30 × 1.5 + 1 = 46 ms.
    assert by[("filtered_p95", "list_category")]["measured"] == 46 and by[("filtered_p95", "list_category")]["ok"]
    assert by[("detail_p95", "detail")]["ok"] is False
    assert by[("export_rate", "export_csv")]["ok"] is True
    assert by[("export_rss", "export_csv")]["ok"] is False
    assert by[("scaling", "list")]["measured"] == pytest.approx(31 / 11, abs=0.01)
    assert by[("scaling", "list")]["ok"] is False
    assert by[("queries", "home")]["ok"] is None and "404" in by[("queries", "home")]["note"]
    # Datasette measured on the SQLite file of the same scale: ours 31 ms vs theirs 20 ms.
    assert by[("datasette", "list_category")]["ok"] is False
    assert by[("datasette", "list")]["ok"] is None


def test_update_docs_replaces_only_the_generated_block(tmp_path):
    docs = tmp_path / "performance.md"
    docs.write_text("# Performance\n\nHand-written analysis.\n", encoding="utf-8")
    report.update_docs(docs, "first table\n")
    report.update_docs(docs, "second table\n")
    text = docs.read_text(encoding="utf-8")
    assert text.startswith("# Performance\n\nHand-written analysis.\n")
    assert "second table" in text and "first table" not in text
    assert text.count(report.DOCS_BEGIN) == 1 and text.count(report.DOCS_END) == 1


def test_bad_arguments_are_command_errors(tmp_path):
    with pytest.raises(CommandError, match="unknown page"):
        call_command("benchmark", "--pages", "nope", "--output-dir", str(tmp_path), stdout=StringIO())
    with pytest.raises(CommandError, match="at least 1"):
        call_command("benchmark", "--requests", "0", "--output-dir", str(tmp_path), stdout=StringIO())
    with pytest.raises(CommandError, match="not a scale"):
        call_command("benchmark", "--scales", "ten", "--output-dir", str(tmp_path), stdout=StringIO())
    with pytest.raises(CommandError, match="unknown database"):
        call_command("benchmark", "--databases", "oracle", "--output-dir", str(tmp_path), stdout=StringIO())
    with pytest.raises(CommandError, match="no results"):
        call_command("benchmark", "--report-only", "--output-dir", str(tmp_path), stdout=StringIO())


# -- the in-process smoke run --------------------------------------------------------
def _check_shape(result: dict, *, requests: int, http: bool) -> None:
    assert result["schema"] == measure.SCHEMA_VERSION
    assert result["engine"] == connection.vendor
    assert result["scale"]["practices"] == 72 and result["scale"]["label"] == "72"
    assert {"nproc", "memory_gib", "cpu_model", "sqlite", "load_average"} <= set(result["machine"])
    assert [page["name"] for page in result["pages"]] == list(PAGE_NAMES)
    statuses = {page["name"]: page["status"] for page in result["pages"]}
    # The catalogue's own pages exist; the others may be missing, but are then recorded as such.
    assert statuses["home"] == statuses["list"] == statuses["detail"] == 200
    assert result["missing"] == [p["url"] for p in result["pages"] if p["status"] == 404]
    for page in result["pages"]:
        if page["status"] != 200:
            continue
        assert set(page["inprocess"]) == SUMMARY_KEYS | {"requested"}
        expected = result["settings"]["export_requests"] if page["export"] else requests
        assert page["inprocess"]["n"] == page["inprocess"]["requested"] == expected
        assert page["inprocess"]["p50_ms"] <= page["inprocess"]["p95_ms"] <= page["inprocess"]["max_ms"]
        assert isinstance(page["queries"], int) and page["queries"] >= 1
        assert page["main_query"]["sql"].lstrip("( ").upper().startswith(("SELECT", "WITH"))
        assert page["main_query"]["plan"]
        assert page["page_over_sql"] > 0
        if http:
            assert page["http"]["n"] == expected and 200 in page["http"]["statuses"]
        else:
            assert "http" not in page
    export = next(page for page in result["pages"] if page["name"] == "export_csv")
    if export["status"] == 200:
        assert export["export_stats"]["rows"] == 72
        assert export["export_stats"]["inprocess_rows_per_s"] > 0
        assert export["export_stats"]["inprocess_peak_rss_mb"] > 0


def test_in_place_smoke_run(catalogue, tmp_path):
    from django.contrib.auth import get_user_model

    out = StringIO()
    call_command("benchmark", "--in-place", "--requests", "3", "--export-requests", "2", "--warmup", "1",
                 "--no-http", "--no-datasette", "--output-dir", str(tmp_path), stdout=out)
    path = tmp_path / f"results-{connection.vendor}-72.json"
    result = json.loads(path.read_text(encoding="utf-8"))
    _check_shape(result, requests=3, http=False)
    text = out.getvalue()
    assert "page" in text and "in-proc p95" in text and str(path) in text
    for name in PAGE_NAMES:
        assert name in text
    # The superuser the benchmark logged in with is gone again.
    assert not get_user_model().objects.filter(username=measure.ADMIN_USERNAME).exists()


def test_report_only_writes_the_summary(catalogue, tmp_path):
    call_command("benchmark", "--in-place", "--requests", "1", "--export-requests", "1", "--warmup", "1",
                 "--no-http", "--no-datasette", "--pages", "home,detail", "--output-dir", str(tmp_path),
                 verbosity=0, stdout=StringIO())
    out = StringIO()
    call_command("benchmark", "--report-only", "--output-dir", str(tmp_path), stdout=out)
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "### Machine" in summary and "| home | 200 |" in summary and "| detail | 200 |" in summary
    assert "home" in out.getvalue()


# -- the whole harness, over HTTP, on a tiny SQLite database --------------------------
@pytest.mark.slow
@pytest.mark.skipif(connection.vendor != "sqlite", reason="builds a SQLite database; once per suite is enough")
def test_orchestrated_run_builds_caches_and_serves_over_http(tmp_path):
    args = ["benchmark", "--scales", "72", "--databases", "sqlite", "--requests", "2", "--export-requests", "1",
            "--warmup", "1", "--pages", "home,list_category,detail,admin_changelist,export_csv",
            "--db-prefix", "smoke", "--output-dir", str(tmp_path)]
    out = StringIO()
    call_command(*args, stdout=out)
    assert "Building the sqlite database at 72" in out.getvalue()
    assert (tmp_path / "smoke-72.sqlite3").exists()
    build = json.loads((tmp_path / "build-sqlite-72.json").read_text(encoding="utf-8"))
    assert {"migrate", "load_catalogue"} <= set(build["timings"])
    result = json.loads((tmp_path / "results-sqlite-72.json").read_text(encoding="utf-8"))
    assert result["build"]["key"] == build["key"]
    assert result["settings"]["debug"] is False
    assert result["gunicorn"]["workers"] == 2
    by = {page["name"]: page for page in result["pages"]}
    assert set(by) == {"home", "list_category", "detail", "admin_changelist", "export_csv"}
    for page in by.values():
        if page["status"] == 200:
            assert page["http"]["n"] == (1 if page["export"] else 2)
            assert page["http"]["statuses"] == [200]
    if by["export_csv"]["status"] == 200:
        assert by["export_csv"]["export_stats"]["http_rows_per_s"] > 0
        assert by["export_csv"]["export_stats"]["http_peak_rss_mb"] > 0
    # A second run reuses the cached database.
    out = StringIO()
    call_command(*args, stdout=out)
    assert "Reusing the sqlite database at 72" in out.getvalue()
    assert Path(tmp_path / "summary.md").exists()


def test_pss_divides_shared_pages_so_it_never_exceeds_rss():
    import os

    from bench.machine import pss_mb, rss_mb

    pss, rss = pss_mb(os.getpid()), rss_mb(os.getpid())
    assert pss is not None and rss is not None
    assert 0 < pss <= rss + 1  # the two files are read a moment apart
    assert pss_mb(2**22 + 12345) is None  # no such process
