"""Facets (Datasette style) and the sentence describing the active filters.

A facet is plain data, shared by the HTML page and the JSON API::

    {"value": "taizhou-zhejiang", "label": "台州市", "count": 12,
     "toggle_url": "?city=taizhou-zhejiang&q=融资", "selected": False}

Counts are computed under every current filter except the facet's own, so a
count is exactly the number of results its toggle link leads to (selecting
another city replaces the selected one; the selected one's link removes it).
Each facet is one GROUP BY query.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.db.models import Count
from django.http import QueryDict
from django.utils.translation import gettext as _

from ..models import Category, City, Metric, Province
from .lookups import place_label

if TYPE_CHECKING:
    from ..filters import CaseReportFilterSet, MetricFilterSet, PracticeFilterSet

Facet = dict[str, object]

# Parameters that never survive a change of filters: a new filter starts at page 1.
RESET_ON_CHANGE = ("page",)


def query_url(params: QueryDict, *, path: str = "", **changes: str | None) -> str:
    """``path?query`` with ``changes`` applied to ``params`` (None removes a key); page reset."""
    query = params.copy()
    for name in RESET_ON_CHANGE:
        query.pop(name, None)
    for name, value in changes.items():
        query.pop(name, None)
        if value not in (None, ""):
            query[name] = value
    encoded = query.urlencode()
    return f"{path}?{encoded}" if encoded else (path or "?")


def _facet_items(
    *, param: str, rows: Iterable, value: Callable, label: Callable, selected, params: QueryDict, path: str,
) -> list[Facet]:
    items = []
    found_selected = False
    for row in rows:
        is_selected = selected is not None and row.pk == selected.pk
        found_selected |= is_selected
        items.append(_facet(param, value(row), label(row), row.n, is_selected, params, path))
    if selected is not None and not found_selected:
        # The selected value must stay visible (count 0) so that it can be switched off.
        items.insert(0, _facet(param, value(selected), label(selected), 0, True, params, path))
    return items


def _facet(param, value, label, count, selected, params, path) -> Facet:
    return {
        "value": value, "label": label, "count": count, "selected": selected,
        "toggle_url": query_url(params, path=path, **{param: None if selected else value}),
    }


def practice_facets(*, filterset: PracticeFilterSet, params: QueryDict, path: str = "") -> dict[str, list[Facet]]:
    """{"category": [Facet, …], "city": [Facet, …], "province": [Facet, …]} for the practice list.

    Categories in number order; cities and provinces by count, largest first.
    Only values with results are listed, plus the selected value. Three queries.
    """
    chosen = filterset.selected()
    common = {"params": params, "path": path}

    def practice_ids(excluded: str):
        return filterset.filtered_without(excluded).values("pk")

    categories = (
        Category.objects.filter(practices__in=practice_ids("category"))
        .annotate(n=Count("practices", distinct=True)).order_by("number")
    )
    cities = (
        City.objects.filter(entries__practice__in=practice_ids("city"))
        .annotate(n=Count("entries__practice", distinct=True)).order_by("-n", "province__adcode", "adcode")
    )
    provinces = (
        Province.objects.filter(cities__entries__practice__in=practice_ids("province"))
        .annotate(n=Count("cities__entries__practice", distinct=True)).order_by("-n", "adcode")
    )
    return {
        "category": _facet_items(param="category", rows=categories, value=lambda c: c.slug,
                                 label=lambda c: c.name, selected=chosen.get("category"), **common),
        "city": _facet_items(param="city", rows=cities, value=lambda c: c.slug,
                             label=place_label, selected=chosen.get("city"), **common),
        "province": _facet_items(param="province", rows=provinces, value=lambda p: p.slug,
                                 label=place_label, selected=chosen.get("province"), **common),
    }


def case_report_facets(*, filterset: CaseReportFilterSet, params: QueryDict, path: str = "") -> dict[str, list[Facet]]:
    """{"province": [Facet, …], "category": [Facet, …]} for the case-report list. Two queries."""
    chosen = filterset.selected()
    common = {"params": params, "path": path}
    provinces = (
        Province.objects.filter(case_reports__in=filterset.filtered_without("province").values("pk"))
        .annotate(n=Count("case_reports", distinct=True)).order_by("-n", "adcode")
    )
    categories = (
        Category.objects.filter(case_reports__in=filterset.filtered_without("category").values("pk"))
        .annotate(n=Count("case_reports", distinct=True)).order_by("number")
    )
    return {
        "province": _facet_items(param="province", rows=provinces, value=lambda p: p.slug,
                                 label=place_label, selected=chosen.get("province"), **common),
        "category": _facet_items(param="category", rows=categories, value=lambda c: c.slug,
                                 label=lambda c: c.name, selected=chosen.get("category"), **common),
    }


def filter_conditions(selected: dict[str, object]) -> list[str]:
    """The active filters as phrases: ["类别为“…”", "城市为台州市", "包含“融资”", …] (any FilterSet's)."""
    phrases = []
    if selected.get("category") is not None:
        phrases.append(_("类别为“%(name)s”") % {"name": selected["category"].name})
    if selected.get("city") is not None:
        phrases.append(_("城市为%(name)s") % {"name": place_label(selected["city"])})
    if selected.get("province") is not None:
        phrases.append(_("省份为%(name)s") % {"name": place_label(selected["province"])})
    if selected.get("has_metrics") is True:
        phrases.append(_("有量化指标"))
    elif selected.get("has_metrics") is False:
        phrases.append(_("无量化指标"))
    if selected.get("unit"):
        phrases.append(_("单位为“%(unit)s”") % {"unit": selected["unit"]})
    if selected.get("kind"):
        phrases.append(_("类型为“%(kind)s”") % {"kind": Metric.Kind(selected["kind"]).label})
    if selected.get("practice"):
        phrases.append(_("属于第 %(number)s 项典型做法") % {"number": selected["practice"]})
    if selected.get("q"):
        phrases.append(_("包含“%(q)s”") % {"q": selected["q"]})
    return phrases


def practice_filter_description(*, filterset: PracticeFilterSet, count: int) -> str:
    """One sentence: "类别为“破解民营企业融资难题”、城市为台州市、包含“融资”的典型做法，共 5 项"."""
    phrases = filter_conditions(filterset.selected())
    if not phrases:
        return _("全部典型做法，共 %(count)s 项") % {"count": count}
    return _("%(conditions)s的典型做法，共 %(count)s 项") % {
        "conditions": _("、").join(phrases), "count": count,
    }


def case_report_filter_description(*, filterset: CaseReportFilterSet, count: int) -> str:
    """One sentence: "省份为浙江省、包含“商会”的案例报道，共 2 篇"."""
    phrases = filter_conditions(filterset.selected())
    if not phrases:
        return _("全部案例报道，共 %(count)s 篇") % {"count": count}
    return _("%(conditions)s的案例报道，共 %(count)s 篇") % {
        "conditions": _("、").join(phrases), "count": count,
    }


def metric_filter_description(*, filterset: MetricFilterSet, count: int) -> str:
    """One sentence: "城市为青岛市、单位为“元”的量化指标，共 7 个"."""
    phrases = filter_conditions(filterset.selected())
    if not phrases:
        return _("全部量化指标，共 %(count)s 个") % {"count": count}
    return _("%(conditions)s的量化指标，共 %(count)s 个") % {"conditions": _("、").join(phrases), "count": count}
