"""Load test: gunicorn with the production settings on loopback, driven by wrk with a URL mix.

``manage.py loadtest`` (see docs/reliability.md) calls :func:`run`, which

1. reads the target database (``DATABASE_URL``, default the ``bench_100k`` PostgreSQL database)
   in a child ``manage.py loadtest --write-urls`` (``mix``): real category and city slugs,
   counts and practice numbers, from which ``urlplan`` and ``scenario`` build the scenario's
   hot set and, for a hit share below 100 %, a URL file per wrk run with cold URLs that no
   other file holds;
2. starts gunicorn on a free 127.0.0.1 port with the public site's settings, DEBUG off, a
   throwaway secret key, the HTTPS redirect on and ``X-Forwarded-Proto`` trusted (wrk sends
   ``X-Forwarded-Proto: https``, as a TLS-terminating proxy would), and waits until every URL
   of the mix answers 200 (``server``);
3. runs wrk (``bench/wrk/mix.lua``) for a few warm-up seconds, then for ``duration`` seconds at
   each connection count (optionally first against one static file, and after it against
   Datasette on the same SQLite file); the Lua script prints one JSON line per run (totals,
   latency percentiles, socket errors, status codes, X-Page-Cache counts, a per-second
   timeline) (``wrk``);
4. optionally restarts the PostgreSQL cluster during the (single) run and measures from the
   timeline how long the application failed and when it answered again on its own
   (``restart``); gunicorn is never restarted, and the result says whether its workers were
   replaced;
5. returns one result dict, which the command writes to ``<output-dir>/loadtest-*.json`` and
   turns into tables and the generated part of docs/reliability.md (``output``).

Everything is bounded: wrk's ``-d`` and ``--timeout``, a hard timeout on every child process.
The modules: ``options`` (what to run, the error), ``mix``, ``urlplan``, ``scenario``, ``server``, ``wrk``, ``restart``,
``output`` and ``run`` (the whole run); their public names are importable from here.
"""
from __future__ import annotations

from .mix import catalogue_facts, database_facts, prepare_facts, write_url_file
from .options import (
    DEFAULT_CONNECTIONS,
    DEFAULT_DATABASE_URL,
    DEFAULT_HIT_SHARE,
    DEFAULT_THREADS,
    DEFAULT_WORKER_CLASS,
    DEFAULT_WORKERS,
    LoadTestError,
    LoadTestOptions,
    database_label,
    redact,
)
from .output import (
    DOCS_BEGIN,
    DOCS_END,
    SCHEMA_VERSION,
    latest_results,
    markdown_section,
    markdown_table,
    one_line,
    restart_lines,
    results_path,
    save,
    short_exception,
    text_table,
    timeline_lines,
    update_docs,
)
from .restart import RESTART_COMMAND, RESTART_TIMEOUT, Restarter, analyse_restart, restart_command
from .run import run
from .scenario import STATIC_PATH, Plan
from .server import (
    GUNICORN_CONFIG,
    HEADERS,
    CpuMeter,
    check_urls,
    gunicorn_command,
    gunicorn_config,
    server_env,
    summarise_log,
)
from .urlplan import CACHED, EXPORT_SHARE, MIX, SCENARIOS, SEARCH_TERMS, ColdPool, build_lines, hot_paths, segments
from .wrk import JSON_MARKER, WRK_SCRIPT, cache_summary, parse_wrk_output, run_wrk, wrk_binary, wrk_command

__all__ = [
    "CACHED", "EXPORT_SHARE", "SCENARIOS", "STATIC_PATH", "ColdPool", "DEFAULT_HIT_SHARE", "Plan", "build_lines",
    "cache_summary", "catalogue_facts", "hot_paths", "prepare_facts", "segments",
    "DEFAULT_CONNECTIONS", "DEFAULT_DATABASE_URL", "DEFAULT_THREADS", "DEFAULT_WORKERS", "DEFAULT_WORKER_CLASS",
    "DOCS_BEGIN", "DOCS_END", "GUNICORN_CONFIG", "HEADERS", "JSON_MARKER", "MIX", "RESTART_COMMAND",
    "RESTART_TIMEOUT", "SCHEMA_VERSION", "SEARCH_TERMS", "WRK_SCRIPT", "CpuMeter", "LoadTestError",
    "LoadTestOptions", "Restarter", "analyse_restart", "check_urls", "database_facts", "database_label",
    "gunicorn_command", "gunicorn_config", "latest_results", "markdown_section", "markdown_table", "one_line",
    "parse_wrk_output", "redact", "restart_command", "restart_lines", "results_path", "run",
    "run_wrk", "save", "server_env", "short_exception", "summarise_log", "text_table", "timeline_lines",
    "update_docs", "wrk_binary", "wrk_command", "write_url_file",
]
