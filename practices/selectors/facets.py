"""Facets (Datasette style) and the sentence describing the active filters.

A facet is plain data, shared by the HTML page and the JSON API::

    {"value": "taizhou-zhejiang", "label": "台州市", "count": 12,
     "toggle_url": "?city=taizhou-zhejiang&q=融资", "selected": False}

Counts are computed under every current filter except the facet's own, so a
count is exactly the number of results its toggle link leads to (selecting
another city replaces the selected one; the selected one's link removes it).
Each facet is one GROUP BY query; the counts of a filter set are cached until
the catalogue changes (practices/catalogue_cache.py).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlencode

from django.db.models import Count
from django.http import QueryDict
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..catalogue_cache import catalogue_cached
from ..models import CaseReport, Category, City, Metric, Practice, PracticeEntry, Province
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


def query_url_maker(params: QueryDict, *, path: str = "", name: str) -> Callable[[str | None], str]:
    """``value -> query_url(params, path=path, name=value)``, with the other parameters encoded once.

    A facet builds a link per value (a city facet has hundreds): query_url
    appends the changed parameter after the others, so the others' encoding
    is the same for every value.
    """
    query = params.copy()
    for reset in (*RESET_ON_CHANGE, name):
        query.pop(reset, None)
    rest = query.urlencode()

    def url(value: str | None) -> str:
        if value in (None, ""):
            return f"{path}?{rest}" if rest else (path or "?")
        pair = urlencode({name: value})
        return f"{path}?{rest}&{pair}" if rest else f"{path}?{pair}"

    return url


def _facet(value, label, count, selected, toggle: Callable[[str | None], str]) -> Facet:
    return {
        "value": value, "label": label, "count": count, "selected": selected,
        "toggle_url": toggle(None if selected else value),
    }


class FacetRow(NamedTuple):
    """One facet value as cached: plain data, valid for any language (labels are chosen on display)."""

    pk: int
    slug: str
    name: str
    pinyin: str
    n: int
    name_en: str = ""  # categories only: the curated English name (rows cached before it existed lack it)


def filter_signature(filterset) -> dict | None:
    """The applied filters as JSON-able data ({"category": pk, "q": "融资", …}); None if any was rejected.

    The order (``sort``) is left out: it changes neither counts nor facets.
    """
    if filterset.form.errors.keys() - {"sort"}:
        return None
    return {name: getattr(value, "pk", value) for name, value in filterset.selected().items() if name != "sort"}


def _cached(name: str, filterset, compute: Callable[[], dict]) -> dict:
    signature = filter_signature(filterset)
    if signature is None:
        # A rejected value: rare and cheap (the list is empty), not worth a cache entry.
        return compute()
    return catalogue_cached(name, signature, compute)


def _rows(counts: dict[int, int], places: Iterable[dict], *, order: Callable) -> list[FacetRow]:
    rows = [FacetRow(p["pk"], p["slug"], p["name"], p.get("pinyin") or "", counts[p["pk"]], p.get("name_en") or "")
            for p in places]
    return sorted(rows, key=order)


def practice_list_summary(*, filterset: PracticeFilterSet) -> dict:
    """{"count": int, "facets": {"category"|"city"|"province": [row, …]}} for the current filters.

    A row is [pk, slug, name, pinyin, count] (a FacetRow as JSON).

    ``count`` is the number of matching practices. Facet counts are computed
    under every filter except the facet's own, each as one GROUP BY over
    narrow indexes (an entry is unique per practice and city, so the city
    count needs no DISTINCT). Cached per filter set and catalogue revision
    (practices/catalogue_cache.py): two queries when cached, about ten when not.
    """
    def compute() -> dict:
        def practice_ids(excluded: str):
            return filterset.filtered_without(excluded).order_by().values("pk")

        by_category = dict(
            Practice.objects.filter(pk__in=practice_ids("category")).order_by()
            .values_list("category_id").annotate(n=Count("pk"))
        )
        by_city = dict(
            PracticeEntry.objects.filter(practice__in=practice_ids("city")).order_by()
            .values_list("city_id").annotate(n=Count("pk"))
        )
        by_province = dict(
            PracticeEntry.objects.filter(practice__in=practice_ids("province")).order_by()
            .values_list("city__province_id").annotate(n=Count("practice_id", distinct=True))
        )
        categories = Category.objects.filter(pk__in=by_category).values("pk", "slug", "name", "name_en", "number")
        cities = City.objects.filter(pk__in=by_city).values("pk", "slug", "name", "pinyin", "adcode",
                                                             "province__adcode")
        provinces = Province.objects.filter(pk__in=by_province).values("pk", "slug", "name", "pinyin", "adcode")
        numbers = {c["pk"]: c["number"] for c in categories}
        city_order = {c["pk"]: (c["province__adcode"], c["adcode"]) for c in cities}
        province_order = {p["pk"]: p["adcode"] for p in provinces}
        return {
            "count": filterset.filtered_without(None).order_by().count(),
            "facets": {
                "category": _rows(by_category, categories, order=lambda r: numbers[r.pk]),
                "city": _rows(by_city, cities, order=lambda r: (-r.n, *city_order[r.pk])),
                "province": _rows(by_province, provinces, order=lambda r: (-r.n, province_order[r.pk])),
            },
        }

    return _cached("practice_list", filterset, compute)


def _facet_items(*, param: str, rows: list[FacetRow], label: Callable, selected, params: QueryDict,
                 path: str, limit: int | None = None) -> list[Facet]:
    if limit is not None and len(rows) > limit:
        # The first ``limit`` values, and the selected one wherever it ranks.
        rows = rows[:limit] + [row for row in rows[limit:] if selected is not None and row.pk == selected.pk]
    items = []
    found_selected = False
    toggle = query_url_maker(params, path=path, name=param)
    for row in rows:
        is_selected = selected is not None and row.pk == selected.pk
        found_selected |= is_selected
        items.append(_facet(row.slug, label(row), row.n, is_selected, toggle))
    if selected is not None and not found_selected:
        # The selected value must stay visible (count 0) so that it can be switched off.
        items.insert(0, _facet(selected.slug, label(selected), 0, True, toggle))
    return items


def _facet_rows(summary: dict) -> dict[str, list[FacetRow]]:
    # Cached as JSON: each row comes back as a list.
    return {param: [FacetRow(*row) for row in rows] for param, rows in summary["facets"].items()}


def _name(row) -> str:
    """A category's label: the curated English name on English pages (FacetRow or Category alike)."""
    if get_language().startswith("en") and getattr(row, "name_en", ""):
        return row.name_en
    return row.name


def practice_facets(*, filterset: PracticeFilterSet, params: QueryDict, path: str = "",
                    summary: dict | None = None, limit: int | None = None) -> dict[str, list[Facet]]:
    """{"category": [Facet, …], "city": [Facet, …], "province": [Facet, …]} for the practice list.

    Categories in number order; cities and provinces by count, largest first.
    Only values with results are listed, plus the selected value; with
    ``limit``, at most that many per facet (and the selected one). Counts come
    from ``summary`` (practice_list_summary's, computed if not given).
    """
    summary = summary or practice_list_summary(filterset=filterset)
    chosen = filterset.selected()
    common = {"params": params, "path": path, "limit": limit}
    rows = _facet_rows(summary)
    return {
        "category": _facet_items(param="category", rows=rows["category"], label=_name,
                                 selected=chosen.get("category"), **common),
        "city": _facet_items(param="city", rows=rows["city"], label=place_label, selected=chosen.get("city"), **common),
        "province": _facet_items(param="province", rows=rows["province"], label=place_label,
                                 selected=chosen.get("province"), **common),
    }


def case_report_list_summary(*, filterset: CaseReportFilterSet) -> dict:
    """{"count": int, "facets": {"province"|"category": [row, …]}}; rows and cache as practice_list_summary."""
    def compute() -> dict:
        def report_ids(excluded: str):
            return filterset.filtered_without(excluded).order_by().values("pk")

        by_province = dict(
            CaseReport.objects.filter(pk__in=report_ids("province"), province__isnull=False).order_by()
            .values_list("province_id").annotate(n=Count("pk"))
        )
        through = CaseReport.categories.through
        by_category = dict(
            through.objects.filter(casereport__in=report_ids("category")).order_by()
            .values_list("category_id").annotate(n=Count("casereport_id", distinct=True))
        )
        provinces = Province.objects.filter(pk__in=by_province).values("pk", "slug", "name", "pinyin", "adcode")
        categories = Category.objects.filter(pk__in=by_category).values("pk", "slug", "name", "name_en", "number")
        province_order = {p["pk"]: p["adcode"] for p in provinces}
        numbers = {c["pk"]: c["number"] for c in categories}
        return {
            "count": filterset.filtered_without(None).order_by().count(),
            "facets": {
                "province": _rows(by_province, provinces, order=lambda r: (-r.n, province_order[r.pk])),
                "category": _rows(by_category, categories, order=lambda r: numbers[r.pk]),
            },
        }

    return _cached("case_report_list", filterset, compute)


def case_report_facets(*, filterset: CaseReportFilterSet, params: QueryDict, path: str = "",
                       summary: dict | None = None) -> dict[str, list[Facet]]:
    """{"province": [Facet, …], "category": [Facet, …]} for the case-report list (counts from ``summary``)."""
    summary = summary or case_report_list_summary(filterset=filterset)
    chosen = filterset.selected()
    common = {"params": params, "path": path}
    rows = _facet_rows(summary)
    return {
        "province": _facet_items(param="province", rows=rows["province"], label=place_label,
                                 selected=chosen.get("province"), **common),
        "category": _facet_items(param="category", rows=rows["category"], label=_name,
                                 selected=chosen.get("category"), **common),
    }


def filter_conditions(selected: dict[str, object]) -> list[str]:
    """The active filters as phrases: ["类别为“…”", "城市为台州市", "包含“融资”", …] (any FilterSet's)."""
    phrases = []
    if selected.get("category") is not None:
        phrases.append(_("类别为“%(name)s”") % {"name": selected["category"].display_name()})
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
    if selected.get("measure"):
        phrases.append(_("度量为“%(measure)s”") % {"measure": selected["measure"]})
    if selected.get("owner") == "practice":
        phrases.append(_("来自典型做法"))
    elif selected.get("owner") == "case_report":
        phrases.append(_("来自案例报道"))
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
