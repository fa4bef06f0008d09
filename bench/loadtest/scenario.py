"""One load test's URL files and reference servers: the hot set, the cold URLs of every run, the
static-file floor and Datasette (see ``urlplan`` for how the files are built).

Every file lives in the load test's own work directory (``<output-dir>/work-<label>-<stamp>/``),
which also holds the page cache (``DJANGO_PAGE_CACHE_DIR``, empty at the start, so that no earlier
run pre-warms it; removed at the end) and, with ``--static-floor``, the collected static files.
"""
from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

from . import urlplan
from .options import LoadTestError, LoadTestOptions

# The static-file floor: a stylesheet every page links to (practices/templates/practices/base.html).
STATIC_PATH = "/static/practices/catalogue.css"
# Before the warm-up has measured a throughput: a guess on the high side (more lines, never fewer).
GUESS_RPS = 1000
MIN_LINES = 200


class Plan:
    """The URL files of one load test, handed out in order: health check, warm-up, then run by run."""

    def __init__(self, options: LoadTestOptions, facts: dict, workdir: Path):
        self.options, self.facts, self.workdir = options, facts, workdir
        self.scenario = options.scenario
        self.hot, self.kinds = urlplan.hot_paths(self.scenario, facts, seed=options.seed,
                                                 detail_pages=options.detail_pages)
        # Cold URLs only when a share of misses is asked and the page cache is on.
        self.mixed = self.scenario == "mix" and 0 < options.hit_share < 100
        self.export = urlplan.export_path(facts) if self.scenario == "mix" and options.hit_share < 100 else None
        self.pool = urlplan.ColdPool(facts, exclude=set(self.hot), seed=options.seed) if self.mixed else None
        self.probes = self.pool.probes() if self.pool else []
        self.files: list[dict] = []

    def health_paths(self) -> list[str]:
        """Every hot path, the export, and the cold probes (set aside: no file holds them)."""
        return list(dict.fromkeys(self.hot + ([self.export] if self.export else []) + self.probes))

    def _write(self, name: str, lines: list[tuple[str, str]], what: str) -> tuple[Path, dict]:
        path = self.workdir / f"urls-{name}.txt"
        record = urlplan.write_lines(path, lines, f"{what}; scenario {self.scenario}, hit share "
                                     f"{self.options.hit_share:g} %") | {"name": name}
        self.files.append(record)
        return path, record

    def file(self, name: str, *, rate_rps: float | None, duration: int) -> tuple[Path, dict]:
        """The URL file of one wrk run (``name``: warmup, c16, …), sized from ``rate_rps`` when it has cold URLs."""
        seed = self.options.seed * 1000 + len(self.files)
        if self.pool is not None:
            rate = rate_rps or GUESS_RPS
            lines = urlplan.run_lines(rate, duration, safety=self.options.url_safety, minimum=MIN_LINES)
            built = urlplan.build_lines(self.hot, lines=lines, hit_share=self.options.hit_share, pool=self.pool,
                                        export=self.export, seed=seed)
            path, record = self._write(name, built, f"{name}: {lines} lines for {duration} s at "
                                       f"{rate:.0f} requests/s × {self.options.url_safety:g}")
            record["sizing"] = {"rate_rps": round(rate, 1), "measured": rate_rps is not None,
                                "duration_s": duration, "safety": self.options.url_safety}
            return path, record
        if self.export:  # hit share 0: the hot set and the export, every line rendered
            return self._write(name, urlplan.with_exports(self.hot, self.export, seed=seed), name)
        return self._write(name, [("hot", p) for p in self.hot], name)

    def static_file(self) -> Path:
        path = self.workdir / "urls-static.txt"
        path.write_text(f"# the static-file floor\nstatic {STATIC_PATH}\n", encoding="utf-8")
        return path

    def datasette_file(self, database: str) -> Path:
        path = self.workdir / "urls-datasette.txt"
        paths = urlplan.datasette_paths(self.facts, database)
        path.write_text("# Datasette's table page per category\n" + "".join(f"datasette {p}\n" for p in paths),
                        encoding="utf-8")
        return path

    def summary(self) -> dict:
        return {
            "scenario": self.scenario, "hit_share_asked": self.options.hit_share,
            "page_cache_off": self.options.cache_off, "kinds": self.kinds, "unique": len(set(self.hot)),
            "hot": len(self.hot), "export": self.export, "export_rows": self.facts["export"]["rows"],
            "export_share_pct": urlplan.EXPORT_SHARE if self.export else 0,
            "cold_probes": self.probes, "cold_handed": dict(self.pool.handed) if self.pool else {},
            "files": self.files,
        }


def server_env_additions(options: LoadTestOptions, workdir: Path, env: dict) -> dict[str, str]:
    """The page cache of this load test (fresh directory, or off) and the static root."""
    extra: dict[str, str] = {}
    if options.cache_off:
        extra["DJANGO_PAGE_CACHE"] = "0"
    else:
        extra["DJANGO_PAGE_CACHE"] = "1"
        if not env.get("REDIS_URL"):
            extra["DJANGO_PAGE_CACHE_DIR"] = str(workdir / "page-cache")
    if options.static_floor:
        extra["DJANGO_STATIC_ROOT"] = str(workdir / "static")
    return extra


def collect_static(options: LoadTestOptions, env: dict) -> None:
    """collectstatic (symlinks) into the work directory's static root: whitenoise serves STATIC_ROOT."""
    try:
        completed = subprocess.run([sys.executable, str(options.base_dir / "manage.py"), "collectstatic",
                                    "--noinput", "--link", "-v", "0"], env=env, cwd=options.base_dir,
                                   capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired as exc:
        raise LoadTestError("collectstatic took more than 300 s") from exc
    if completed.returncode != 0:
        raise LoadTestError("collectstatic failed: " + " | ".join(completed.stderr.strip().splitlines()[-3:]))


def cache_directory_size(workdir: Path) -> dict | None:
    directory = workdir / "page-cache"
    if not directory.is_dir():
        return None
    files = [p for p in directory.rglob("*") if p.is_file()]
    return {"entries": len(files), "mib": round(sum(p.stat().st_size for p in files) / 2**20, 1)}


def cleanup(workdir: Path) -> None:
    """The page cache and the static copy go; the URL files stay beside the result."""
    for name in ("page-cache", "static"):
        shutil.rmtree(workdir / name, ignore_errors=True)


def sqlite_file(database_url: str, base_dir: Path) -> Path:
    """The file of ``sqlite:////absolute`` or ``sqlite:///relative`` (to the project, as for gunicorn)."""
    if not database_url.startswith("sqlite:"):
        raise LoadTestError("--datasette needs a SQLite DATABASE_URL (Datasette serves SQLite files)")
    rest = database_url.split(":", 1)[1].split("?", 1)[0]
    rest = rest[2:] if rest.startswith("//") else rest
    return base_dir / (rest[1:] if rest.startswith("/") else rest)


def datasette_database_name(file: Path) -> str:
    """Datasette's name for the file in its URLs (the stem, tilde-encoded)."""
    try:
        from datasette.utils import tilde_encode
    except ImportError as exc:
        raise LoadTestError("Datasette is not installed (pip install -r requirements-bench.txt)") from exc
    return tilde_encode(file.stem)


def ratio(ours: dict | None, reference: dict | None) -> float | None:
    if not ours or not reference or not reference.get("throughput_rps"):
        return None
    value = ours["throughput_rps"] / reference["throughput_rps"]
    return round(value, 3) if math.isfinite(value) else None


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]
