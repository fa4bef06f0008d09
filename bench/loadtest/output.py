"""The load test's results: terminal and Markdown tables, the JSON files, the generated part of docs/reliability.md."""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..docs import docs_section_write
from .server import GUNICORN_CONFIG

# 2: scenario, hit share asked and measured (X-Page-Cache), load average per run, the static-file
# floor and Datasette. Results of schema 1 (before the page cache) stay readable (``normalise``).
SCHEMA_VERSION = 2
READABLE_SCHEMAS = (1, 2)
TABLE_COLUMNS = ("connections", "requests", "seconds", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms",
                 "non-2xx/3xx", "socket errors (c/r/w/t)", "errors", "hit % measured", "load (1 min) before → after")
REFERENCE_COLUMNS = ("connections", "static file req/s", "p50 / p99 ms", "errors", "load before → after",
                     "ours ÷ static", "Datasette req/s", "p50 / p99 ms", "errors", "load before → after",
                     "ours ÷ Datasette")


def normalise(result: dict) -> dict:
    """A result of any readable schema with the fields of the current one (None: not recorded)."""
    result.setdefault("scenario", "mix")
    result.setdefault("hit_share_asked", None)
    for run in result.get("runs", []):
        for key in ("page_cache_seen", "static_floor", "static_ratio", "datasette", "datasette_ratio",
                    "load_average_before", "load_average_after"):
            run.setdefault(key, None)
    return result


def _load(run: dict | None) -> str:
    if not run or not run.get("load_average_before"):
        return "–"
    return f"{run['load_average_before'][0]:.2f} → {run['load_average_after'][0]:.2f}"


def hit_share_text(result: dict) -> str:
    asked = result.get("hit_share_asked")
    if asked is None:
        return "hit share not controlled (recorded before the page cache)"
    return f"hit share asked {asked:g} %" + (" (page cache off)" if asked == 0 else "")


def table_row(run: dict) -> list[str]:
    latency, socket = run["latency_ms"], run["socket_errors"]
    seen = (run.get("page_cache_seen") or {}).get("hit_share_pct")
    return [str(run["connections"]), f"{run['requests']:,}", f"{run['duration_s']:.1f}",
            f"{run['throughput_rps']:.1f}", f"{latency['p50']:.1f}", f"{latency['p90']:.1f}",
            f"{latency['p99']:.1f}", f"{latency['max']:.1f}", f"{run['non_2xx_3xx']:,}",
            "/".join(str(socket[k]) for k in ("connect", "read", "write", "timeout")), f"{run['errors']:,}",
            "–" if seen is None else f"{seen:.1f}", _load(run)]


def reference_row(run: dict) -> list[str]:
    cells = [str(run["connections"])]
    for key, ratio_key in (("static_floor", "static_ratio"), ("datasette", "datasette_ratio")):
        ref = run.get(key)
        if not ref:
            cells += ["–"] * 5
            continue
        cells += [f"{ref['throughput_rps']:.1f}", f"{ref['latency_ms']['p50']:.1f} / {ref['latency_ms']['p99']:.1f}",
                  f"{ref['errors']:,}", _load(ref),
                  "–" if run.get(ratio_key) is None else f"{run[ratio_key]:.2f}"]
    return cells


def _has_references(result: dict) -> bool:
    return any(run.get("static_floor") or run.get("datasette") for run in result["runs"])


def _text(columns: tuple, rows: list[list[str]]) -> list[str]:
    rows = [list(columns)] + rows
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    return ["  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]


def _markdown(columns: tuple, rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def text_table(result: dict) -> list[str]:
    normalise(result)
    lines = _text(TABLE_COLUMNS, [table_row(run) for run in result["runs"]])
    if _has_references(result):
        lines += ["", "In the same run:"] + _text(REFERENCE_COLUMNS, [reference_row(run) for run in result["runs"]])
    return lines


def markdown_table(result: dict) -> str:
    normalise(result)
    text = _markdown(TABLE_COLUMNS, [table_row(run) for run in result["runs"]])
    if _has_references(result):
        text += ("\n\nThe reference servers, at each connection count in the same run (the static file through "
                 "the same gunicorn just before the mix; Datasette just after it):\n\n"
                 + _markdown(REFERENCE_COLUMNS, [reference_row(run) for run in result["runs"]]))
    return text


def cache_lines(result: dict) -> list[str]:
    """Per run: the responses by X-Page-Cache, the requests by line class, and the wrap check."""
    lines = []
    for run in result["runs"]:
        seen = run.get("page_cache_seen")
        if not seen:
            continue
        headers = ", ".join(f"{k} {v:,}" for k, v in sorted(seen["by_header"].items()) if v)
        sent = ", ".join(f"{k} {v:,}" for k, v in sorted(seen["sent_by_class"].items()))
        file = run.get("url_lines") or {}
        wrap = ("a wrk thread may have wrapped (cold URLs asked twice)" if seen.get("wrap_possible")
                else f"no wrap (largest walk {seen['max_walk']:,} of a {seen['min_segment']:,}-line segment)"
                if file.get("by_class", {}).get("cold") else "")
        lines.append(f"{run['connections']} connections: X-Page-Cache {headers}; sent {sent}"
                     + (f"; URL file {file['lines']:,} lines" if file else "") + (f"; {wrap}" if wrap else ""))
    return lines


def one_line(run: dict) -> str:
    latency = run["latency_ms"]
    cpu = run.get("cpu") or {}
    seen = (run.get("page_cache_seen") or {}).get("hit_share_pct")
    return (f"{run['requests']:,} requests in {run['duration_s']:.1f} s = {run['throughput_rps']:.1f}/s; "
            + (f"hit share {seen} %; " if seen is not None else "") +
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
    """The newest result of every (database, kind, scenario, hit share) in ``output_dir``."""
    newest: dict[tuple, dict] = {}
    for path in sorted(output_dir.glob("loadtest-*.json")):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if result.get("schema") not in READABLE_SCHEMAS:
            continue
        normalise(result)
        key = (result["label"], result["kind"], result["scenario"], result["hit_share_asked"] is None,
               result["hit_share_asked"] or 0)
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
        mix = result["mix"]
        config = f"with `-c {GUNICORN_CONFIG}`" if g.get("config") else "without a settings file"
        parts += [
            f"### {title} · `{result['label']}` · {result['scenario']} · {hit_share_text(result)}",
            "",
            f"{mix['practices_published']:,} published practices; {result['database'].get('vendor')} "
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
        if mix.get("kinds"):
            parts += [_mix_sentence(result), ""]
        parts += [markdown_table(result), ""]
        if cache_lines(result):
            parts += ["Page cache, as wrk saw it: " + "; ".join(cache_lines(result)) + ".", ""]
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


def _mix_sentence(result: dict) -> str:
    mix = result["mix"]
    kinds = ", ".join(f"{name} {count}" for name, count in mix["kinds"].items())
    text = f"Hot set ({result['scenario']}): {kinds}"
    if mix.get("export"):
        text += f"; export `{mix['export']}` ({mix.get('export_rows')} rows) at {mix.get('export_share_pct')} % of the lines"
    if mix.get("cold_handed"):
        text += "; cold URLs used once each: " + ", ".join(f"{k} {v:,}" for k, v in sorted(mix["cold_handed"].items()))
    return text + "."


def short_exception(text: str) -> str:
    """``OperationalError: connect: Connection refused`` rather than the driver's whole sentence."""
    name, _, message = text.partition(": ")
    message = re.sub(r'connection failed: connection to server at "[^"]*", port \d+ failed: ', "connect: ", message)
    return f"{name.rpartition('.')[2]}: {' '.join(message.split())}"[:120]


def update_docs(path: Path, generated: str) -> None:
    """Write ``generated`` between the load test's markers of ``path`` (docs/reliability.md)."""
    docs_section_write(path=path, begin=DOCS_BEGIN, end=DOCS_END, generated=generated)
