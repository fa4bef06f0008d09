"""Running wrk with the Lua script (``bench/wrk/mix.lua``) and reading the JSON line it prints."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from ..machine import machine_description
from .options import LoadTestError, LoadTestOptions

WRK_SCRIPT = Path(__file__).resolve().parent.parent / "wrk" / "mix.lua"
JSON_MARKER = "LOADTEST_JSON "


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise LoadTestError("wrk is not installed: `make loadtest` installs it (apt-get install wrk), "
                            "or run `bash .ci/loadtest-deps`")
    return found


def wrk_version() -> str | None:
    try:
        completed = subprocess.run([wrk_binary(), "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired, LoadTestError):
        return None
    text = (completed.stdout + completed.stderr).strip().splitlines()
    return text[0].strip() if text else None


def wrk_command(options: LoadTestOptions, port: int, connections: int, duration: int, urls: Path) -> list[str]:
    threads = options.wrk_threads or min(connections, machine_description()["nproc"] or 1)
    threads = max(1, min(threads, connections))
    return [wrk_binary(), "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
            "--timeout", f"{options.timeout}s", "-H", "X-Forwarded-Proto: https", "-s", str(WRK_SCRIPT),
            f"http://127.0.0.1:{port}", "--", str(urls), str(threads)]


def run_wrk(command: list[str], duration: int, timeout: int) -> dict:
    """wrk's JSON line; a hard limit of duration + timeout + 60 s on the process."""
    limit = duration + timeout + 60
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired as exc:
        raise LoadTestError(f"wrk did not finish within {limit} s") from exc
    if completed.returncode != 0:
        raise LoadTestError(f"wrk failed (exit {completed.returncode}): "
                            + " | ".join((completed.stderr + completed.stdout).strip().splitlines()[-5:]))
    result = parse_wrk_output(completed.stdout)
    result["wrk_text"] = completed.stdout.split(JSON_MARKER)[0].strip()
    return result


def parse_wrk_output(text: str) -> dict:
    """The JSON the Lua script printed in done()."""
    for line in text.splitlines():
        if line.startswith(JSON_MARKER):
            return json.loads(line[len(JSON_MARKER):])
    raise LoadTestError("wrk printed no LOADTEST_JSON line: " + " | ".join(text.strip().splitlines()[-5:]))


def cache_summary(result: dict) -> dict:
    """The page cache as wrk saw it: responses by X-Page-Cache, the hit share (% of all responses),
    requests sent by line class, and whether a thread walked past its segment of the URL file."""
    counts = {k: int(v) for k, v in (result.get("page_cache") or {}).items()}
    responses = sum(counts.values())
    walks = result.get("thread_walks") or []
    return {
        "by_header": counts,
        "hit_share_pct": round(100 * counts.get("hit", 0) / responses, 1) if responses else None,
        "sent_by_class": result.get("sent_by_class") or {},
        "max_walk": max((w["sent"] for w in walks), default=0),
        "min_segment": min((w["segment"] for w in walks), default=0),
        # A thread that sent more requests than its segment holds asked again for lines another thread had.
        "wrap_possible": any(w["sent"] > w["segment"] for w in walks),
    }
