"""What a load test is asked to do (LoadTestOptions, the defaults), its error, and naming the target database."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_100k"
# The default server: see docs/reliability.md ("gunicorn workers") for the measurement behind it.
DEFAULT_WORKER_CLASS = "sync"
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4
DEFAULT_CONNECTIONS = (16, 64)
DEFAULT_HIT_SHARE = {"mix": 80, "cached": 100, "category-miss": 0}


class LoadTestError(Exception):
    """The load test could not run (wrk missing, server not healthy, wrk failed …); str() says why."""


@dataclass
class LoadTestOptions:
    base_dir: Path
    output_dir: Path
    database_url: str = DEFAULT_DATABASE_URL
    connections: list[int] = field(default_factory=lambda: list(DEFAULT_CONNECTIONS))
    duration: int = 60
    warmup: int = 5
    timeout: int = 30  # wrk --timeout: a response slower than this counts as a socket timeout
    worker_class: str = DEFAULT_WORKER_CLASS
    workers: int = DEFAULT_WORKERS
    threads: int = DEFAULT_THREADS
    gunicorn_timeout: int = 30  # gunicorn's --timeout (its default, as `make serve` runs it)
    wrk_threads: int | None = None  # default: min(connections, nproc)
    detail_pages: int | None = None  # default: the scenario's (urlplan.MIX, urlplan.CACHED)
    seed: int = 1
    conn_max_age: int | None = None  # None: the settings' default (60 s with DEBUG off)
    # What is asked (bench/loadtest/urlplan.py): the scenario's hot set, the share of page-cache hits
    # (mix only; cached is 100, category-miss 0), and the reference servers run beside it.
    scenario: str = "mix"
    hit_share: float = 80
    static_floor: bool = False
    datasette: bool = False
    url_safety: float = 3.0  # a run's URL file holds warm-up throughput × duration × this many lines
    restart_postgres_at: float | None = None
    restart_command: str | None = None
    label: str = ""
    note: str = ""
    verbosity: int = 1
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def cache_off(self) -> bool:
        """Every request renders: gunicorn gets DJANGO_PAGE_CACHE=0."""
        return self.hit_share == 0


def database_label(url: str) -> str:
    """A short name for file names: the PostgreSQL database name, or the SQLite file's stem."""
    parts = urlsplit(url)
    name = Path(parts.path).stem if parts.scheme.startswith("sqlite") else parts.path.strip("/")
    engine = "sqlite" if parts.scheme.startswith("sqlite") else "postgresql"
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{engine}-{name or 'default'}")


def redact(url: str) -> str:
    """``url`` without a password."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url
