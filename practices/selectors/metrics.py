"""Reads about metrics: the explorer's rows and facets, and a practice's city comparison."""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet
from django.http import QueryDict

from ..catalogue_cache import catalogue_cached
from ..models import Metric, Practice
from .facets import Facet, filter_signature, query_url

if TYPE_CHECKING:
    from ..filters import MetricFilterSet


def metric_list_rows(*, metrics: QuerySet[Metric]) -> QuerySet[Metric]:
    """``metrics`` ready to display: practice, category, city and province loaded (one query per page)."""
    return metrics.select_related("entry__practice__category", "entry__city__province").defer(
        "entry__practice__raw_text", "entry__text",
    )


def metric_list_summary(*, filterset: MetricFilterSet) -> dict:
    """{"count": int, "units": [(unit, count), …]} for the current filters, most metrics first.

    Unit counts are under every filter except ``unit``. Cached per filter set
    and catalogue revision (practices/catalogue_cache.py).
    """
    def compute() -> dict:
        rows = (
            filterset.filtered_without("unit").order_by().values_list("normalized_unit")
            .annotate(n=Count("pk")).order_by("-n", "normalized_unit")
        )
        return {"count": filterset.filtered_without(None).order_by().count(), "units": [tuple(r) for r in rows]}

    signature = filter_signature(filterset)
    return compute() if signature is None else catalogue_cached("metric_list", signature, compute)


def metric_unit_facets(*, filterset: MetricFilterSet, params: QueryDict, path: str = "",
                       summary: dict | None = None) -> list[Facet]:
    """Facets of normalized units under the other current filters, most metrics first (from ``summary``)."""
    summary = summary or metric_list_summary(filterset=filterset)
    selected = filterset.selected().get("unit")
    facets = []
    for unit, count in summary["units"]:
        facets.append({
            "value": unit, "label": unit, "count": count, "selected": unit == selected,
            "toggle_url": query_url(params, path=path, unit=None if unit == selected else unit),
        })
    return facets


def practice_comparison(*, practice: Practice, unit: str | None = None) -> dict:
    """The practice's cities side by side on one normalized unit. No query: uses the prefetched metrics.

    ``practice`` comes from practice_detail (entries and metrics prefetched).
    Returns {"units": [{"unit", "cities", "metrics", "selected"}, …] (units
    reported by most cities first), "unit": the unit shown (``unit`` if the
    practice has it, else the one most cities report; None without metrics),
    "unit_found": whether the requested unit exists, "groups": [{"city",
    "entry", "metrics": [Metric]}, …] in source order, "max": the largest
    normalized value shown (Decimal)}.
    """
    by_unit: dict[str, dict] = {}
    for entry in practice.entries.all():
        for metric in entry.metrics.all():
            row = by_unit.setdefault(metric.normalized_unit, {"unit": metric.normalized_unit, "city_ids": set(),
                                                              "metrics": 0})
            row["city_ids"].add(entry.city_id)
            row["metrics"] += 1
    units = sorted(by_unit.values(), key=lambda row: (-len(row["city_ids"]), -row["metrics"], row["unit"]))
    unit_found = unit is None or unit in by_unit
    chosen = unit if unit in by_unit else (units[0]["unit"] if units else None)
    groups = []
    for entry in practice.entries.all():
        metrics = [metric for metric in entry.metrics.all() if metric.normalized_unit == chosen]
        if metrics:
            groups.append({"city": entry.city, "entry": entry, "metrics": metrics})
    values = [abs(metric.normalized_value) for group in groups for metric in group["metrics"]]
    return {
        "units": [
            {"unit": row["unit"], "cities": len(row["city_ids"]), "metrics": row["metrics"],
             "selected": row["unit"] == chosen}
            for row in units
        ],
        "unit": chosen,
        "unit_found": unit_found,
        "groups": groups,
        "max": max(values, default=Decimal(0)),
    }
