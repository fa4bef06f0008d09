"""Reads about metrics: the explorer's rows and facets, and a practice's city comparison by measure."""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.http import QueryDict

from ..catalogue_cache import catalogue_cached
from ..importer.measures import measure_is_generic
from ..models import Metric, Practice
from .facets import Facet, filter_signature, query_url

if TYPE_CHECKING:
    from ..filters import MetricFilterSet


def metric_list_rows(*, metrics: QuerySet[Metric]) -> QuerySet[Metric]:
    """``metrics`` ready to display: practice, city and province, or case report and its source, loaded
    (one query per page)."""
    return metrics.select_related(
        "entry__practice__category", "entry__city__province", "case_report__source",
    ).defer("entry__practice__raw_text", "entry__text", "case_report__body")


def metric_list_summary(*, filterset: MetricFilterSet) -> dict:
    """{"count": int, "units": [(unit, count), …], "measures": [(measure, count), …], "owners": {…}}.

    Each facet's counts are under every filter except its own, most metrics
    first. Cached per filter set and catalogue revision (practices/catalogue_cache.py).
    """
    def counted(excluded: str, field: str) -> list[tuple[str, int]]:
        rows = (
            filterset.filtered_without(excluded).order_by().values_list(field)
            .annotate(n=Count("pk")).order_by("-n", field)
        )
        return [tuple(r) for r in rows]

    def compute() -> dict:
        owners = filterset.filtered_without("owner").order_by().aggregate(
            practice=Count("pk", filter=Q(entry__isnull=False)),
            case_report=Count("pk", filter=Q(case_report__isnull=False)),
        )
        return {
            "count": filterset.filtered_without(None).order_by().count(),
            "units": counted("unit", "normalized_unit"),
            "measures": counted("measure", "measure"),
            "owners": owners,
        }

    signature = filter_signature(filterset)
    return compute() if signature is None else catalogue_cached("metric_list", signature, compute)


def _toggle_facets(*, param: str, rows, selected, params: QueryDict, path: str, label=None) -> list[Facet]:
    """One facet per (value, count) row; a blank value (a metric without a unit) is no link anyone can follow."""
    return [
        {
            "value": value, "label": label(value) if label else value, "count": count,
            "selected": value == selected,
            "toggle_url": query_url(params, path=path, **{param: None if value == selected else value}),
        }
        for value, count in rows
        if value not in (None, "")
    ]


def metric_unit_facets(*, filterset: MetricFilterSet, params: QueryDict, path: str = "",
                       summary: dict | None = None) -> list[Facet]:
    """Facets of normalized units under the other current filters, most metrics first (from ``summary``)."""
    summary = summary or metric_list_summary(filterset=filterset)
    return _toggle_facets(param="unit", rows=summary["units"], selected=filterset.selected().get("unit"),
                          params=params, path=path)


def metric_measure_facets(*, filterset: MetricFilterSet, params: QueryDict, path: str = "",
                          summary: dict | None = None) -> list[Facet]:
    """Facets of measures (贷款余额, 企业数 …) under the other current filters, most metrics first."""
    summary = summary or metric_list_summary(filterset=filterset)
    return _toggle_facets(param="measure", rows=summary["measures"],
                          selected=filterset.selected().get("measure"), params=params, path=path)


def metric_owner_facets(*, filterset: MetricFilterSet, params: QueryDict, path: str = "",
                        summary: dict | None = None) -> list[Facet]:
    """Two facets: practice metrics and case-report metrics, with counts under the other filters."""
    summary = summary or metric_list_summary(filterset=filterset)
    labels = dict(filterset.filters["owner"].extra["choices"])
    rows = [(value, summary["owners"][value]) for value in labels if summary["owners"][value]]
    return _toggle_facets(param="owner", rows=rows, selected=filterset.selected().get("owner"),
                          params=params, path=path, label=lambda value: str(labels[value]))


def practice_comparison(*, practice: Practice, measure: str | None = None) -> dict:
    """The practice's cities side by side, one chart per measure. No query: uses the prefetched metrics.

    ``practice`` comes from practice_detail (entries and metrics prefetched).
    Metrics are grouped by (measure, normalized unit): bars on one axis always
    count the same thing in the same unit, and a generic measure that only
    repeats the unit (个数, 金额, 占比) is never charted. Returns {"charts":
    [chart, …] (groups reported by at least two cities; most cities first), "others":
    [{"city", "entry", "metric"}, …] (the rest, in source order), "measure":
    the requested measure or None, "measure_found": whether a chart has it}.
    A chart is {"measure", "unit", "key", "cities": int, "groups": [{"city",
    "entry", "metrics": [Metric]}, …] in source order, "max": Decimal}.
    With ``measure``, only that measure's charts are kept.
    """
    by_key: dict[tuple[str, str], dict] = {}
    for entry in practice.entries.all():
        for metric in entry.metrics.all():
            key = (metric.measure, metric.normalized_unit)
            chart = by_key.setdefault(key, {"measure": key[0], "unit": key[1], "city_ids": set(), "groups": {}})
            chart["city_ids"].add(entry.city_id)
            group = chart["groups"].setdefault(entry.pk, {"city": entry.city, "entry": entry, "metrics": []})
            group["metrics"].append(metric)
    charts, others = [], []
    for chart in by_key.values():
        if len(chart["city_ids"]) < 2 or measure_is_generic(chart["measure"]):
            others.extend({"city": g["city"], "entry": g["entry"], "metric": m}
                          for g in chart["groups"].values() for m in g["metrics"])
            continue
        groups = list(chart["groups"].values())
        charts.append({
            "measure": chart["measure"], "unit": chart["unit"], "cities": len(chart["city_ids"]),
            "key": f"{chart['measure']}-{chart['unit']}", "groups": groups,
            "max": max((abs(m.normalized_value) for g in groups for m in g["metrics"]), default=Decimal(0)),
        })
    charts.sort(key=lambda c: (-c["cities"], -sum(len(g["metrics"]) for g in c["groups"]), c["measure"], c["unit"]))
    measure_found = measure is None or any(c["measure"] == measure for c in charts)
    if measure is not None and measure_found:
        charts = [c for c in charts if c["measure"] == measure]
    others.sort(key=lambda row: (row["entry"].position, row["metric"].position))
    return {"charts": charts, "others": others, "measure": measure, "measure_found": measure_found}
