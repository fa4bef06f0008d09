"""A page's SQL on its own: re-running a statement for its time, and its plan."""
from __future__ import annotations

import re
import time

from .stats import percentile

_SELECT = re.compile(r"^\s*\(*\s*(SELECT|WITH)\b", re.I)


def is_select(sql: str) -> bool:
    """Whether ``sql`` reads rows (SELECT or WITH, maybe in parentheses): safe to re-run and EXPLAIN."""
    return bool(_SELECT.match(sql))


def rerun_ms(sql: str, repeat: int) -> float:
    """Median milliseconds of running ``sql`` alone with cursor.execute and fetching every row."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 0.5)


def explain(sql: str) -> str:
    """The plan of ``sql``: EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            rows = cursor.fetchall()
            depth = {0: -1}
            lines = []
            for node, parent, _, detail in rows:
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
            return "\n".join(lines)
    return ""
