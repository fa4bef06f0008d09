"""What keeps the admin's changelists flat as tables grow to millions of rows.

* ``EstimatedCountPaginator``: on PostgreSQL, an unfiltered changelist over
  many rows is paginated with the planner's row estimate (``EXPLAIN``, no
  scan) instead of an exact ``COUNT(*)``, which reads every row (Django's
  admin is known to crawl on large tables for exactly that reason). Below
  ``EXACT_COUNT_LIMIT`` rows the count is exact, which is then cheap. A
  filtered or searched changelist is counted exactly: an estimate of a
  selective filter can be off by orders of magnitude and would offer pages
  that do not exist (its filters are served by indexes). SQLite has no
  planner estimates: the count is exact.
* ``related_count``: a per-row correlated COUNT for ``list_display``
  columns. Unlike ``annotate(Count(...))`` (a GROUP BY over the whole joined
  table before the LIMIT), the database computes it for the rows shown only.
"""
from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db import DatabaseError, connections
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property

# Up to this many (estimated) rows, counting exactly is cheap and the admin shows the exact figure.
EXACT_COUNT_LIMIT = 10_000


def planner_estimate(queryset) -> int | None:
    """The planner's estimate of ``queryset``'s row count (PostgreSQL), or None where there is none."""
    alias = queryset.db
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return None
    compiler = queryset.order_by().values("pk").query.get_compiler(using=alias)
    try:
        sql, params = compiler.as_sql()
    except Exception:  # an EmptyResultSet and the like: let the exact count answer
        return None
    with connection.cursor() as cursor:
        try:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        except DatabaseError:
            return None
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """A Paginator whose ``count`` is the planner's estimate when that is large (``estimated`` says so)."""

    estimated = False

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        estimate = planner_estimate(self.object_list) if query is not None and not query.where else None
        if estimate is not None and estimate > EXACT_COUNT_LIMIT:
            self.estimated = True
            return estimate
        return super().count


def related_count(model, field: str, **filters) -> Coalesce:
    """The number of ``model`` rows whose ``field`` points at the outer row, as a correlated subquery."""
    counts = (
        model._default_manager.filter(**{field: OuterRef("pk")}, **filters).order_by()
        .values(field).annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))
