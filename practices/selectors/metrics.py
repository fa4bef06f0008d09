"""Reads about metrics: the explorer's rows and facets, and a practice's city comparison."""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet
from django.http import QueryDict

from ..models import Metric, Practice
from .facets import Facet, query_url

if TYPE_CHECKING:
    from ..filters import MetricFilterSet


def metric_list_rows(*, metrics: QuerySet[Metric]) -> QuerySet[Metric]:
    """``metrics`` ready to display: practice, category, city and province loaded (one query per page)."""
    return metrics.select_related("entry__practice__category", "entry__city__province").defer(
        "entry__practice__raw_text", "entry__text",
    )


def metric_unit_facets(*, filterset: MetricFilterSet, params: QueryDict, path: str = "") -> list[Facet]:
    """Facets of normalized units under the other current filters, most metrics first. One query."""
    selected = filterset.selected().get("unit")
    rows = (
        filterset.filtered_without("unit").order_by().values("normalized_unit")
        .annotate(n=Count("pk")).order_by("-n", "normalized_unit")
    )
    facets = []
    for row in rows:
        unit = row["normalized_unit"]
        facets.append({
            "value": unit, "label": unit, "count": row["n"], "selected": unit == selected,
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
