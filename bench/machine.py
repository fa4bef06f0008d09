"""The machine and its processes, read from /proc: description, RSS, children, peak-RSS sampling."""
from __future__ import annotations

import os
import platform
import re
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

RSS_INTERVAL = 0.005


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def machine_description() -> dict:
    """nproc, memory, CPU model, load, Python, SQLite (and the database server's version later)."""
    cpu = re.search(r"^model name\s*:\s*(.+)$", _read("/proc/cpuinfo"), re.M)
    memory = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        nproc = os.cpu_count() or 0
    import django

    return {
        "nproc": nproc,
        "memory_gib": round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None,
        "cpu_model": cpu.group(1).strip() if cpu else platform.processor(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def rss_mb(pid: int) -> float | None:
    """Resident set size of ``pid`` in MiB (None when it has gone)."""
    match = re.search(r"^VmRSS:\s*(\d+) kB", _read(f"/proc/{pid}/status"), re.M)
    return int(match.group(1)) / 1024 if match else None


def pss_mb(pid: int) -> float | None:
    """Proportional set size of ``pid`` in MiB: its private pages plus its share of the pages it shares.

    gunicorn's workers share what the master loaded (preload_app): RSS counts those pages in every
    worker, PSS divides them among the processes, so the workers' PSS add up to the memory they use.
    """
    match = re.search(r"^Pss:\s*(\d+) kB", _read(f"/proc/{pid}/smaps_rollup"), re.M)
    return int(match.group(1)) / 1024 if match else None


def children(pid: int) -> list[int]:
    """Direct child processes of ``pid`` (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _read(f"/proc/{entry.name}/stat")
        # The command name is in parentheses and may contain spaces: split after it.
        tail = stat.rpartition(")")[2].split()
        if len(tail) > 1 and tail[1] == str(pid):
            found.append(int(entry.name))
    return found


class RssSampler:
    """Peak RSS (MiB) of the largest of ``pids()`` while the block runs, sampled every 5 ms."""

    def __init__(self, pids: Callable[[], list[int]]):
        self.pids = pids
        self.peak = 0.0
        self.baseline = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> float:
        return max((rss_mb(pid) or 0.0 for pid in self.pids()), default=0.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(RSS_INTERVAL)

    def __enter__(self) -> RssSampler:
        self.baseline = self._sample()
        self.peak = self.baseline
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())
