"""Request timings: percentiles, the summary recorded per page, repeating within a time budget."""
from __future__ import annotations

import time
from collections.abc import Callable

# A page slower than budget / requests gets fewer timed requests, never fewer than this.
MIN_REQUESTS = 10


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0 ≤ q ≤ 1) with linear interpolation between order statistics."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(seconds: list[float]) -> dict:
    """{"n", "p50_ms", "p95_ms", "mean_ms", "min_ms", "max_ms"} of request durations in seconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms), "p50_ms": round(percentile(ms, 0.50), 3), "p95_ms": round(percentile(ms, 0.95), 3),
        "mean_ms": round(sum(ms) / len(ms), 3), "min_ms": round(min(ms), 3), "max_ms": round(max(ms), 3),
    }


def repeat(request: Callable[[], float], count: int, *, budget: float) -> list[float]:
    """Durations returned by ``count`` calls of ``request``; fewer (never under MIN_REQUESTS)
    once ``budget`` seconds have gone by."""
    durations: list[float] = []
    started = time.monotonic()
    for index in range(count):
        durations.append(request())
        if index + 1 >= min(count, MIN_REQUESTS) and time.monotonic() - started > budget:
            break
    return durations
