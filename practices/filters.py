"""One FilterSet per public list: the HTML pages, the JSON API and the exports share them.

Parameter names are a public contract (they appear in shareable URLs):

* practices: ``category``, ``city``, ``province``, ``has_metrics``, ``q``, ``sort``
* case reports: ``province``, ``city``, ``category``, ``q``
* metrics: ``unit``, ``measure``, ``owner`` (practice or case_report), ``city``, ``category``,
  ``practice``, ``kind``, ``sort``

Places and categories are resolved to model instances while the form is
cleaned, so an unknown value is a form error naming the value (the API answers
400, the HTML page shows the message and an empty list) rather than a silently
ignored filter. Every FilterSet only ever sees published records, whatever
queryset it is given.
"""
from __future__ import annotations

from collections.abc import Callable

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from . import selectors
from .models import CaseReport, Metric, Practice
from .params import StrictBooleanFilter, StrictIntegerField, shown_value
from .search import case_report_search, practice_search

# Long enough for any sensible query, short enough to bound the search SQL.
MAX_QUERY_LENGTH = 100
# No catalogue numbers a million practices; the bound keeps the lookup inside an integer.
MAX_PRACTICE_NUMBER = 999_999


class LookupField(forms.CharField):
    """A text field whose clean value is the record ``resolver`` finds for it.

    ``resolver`` takes the stripped text and returns an instance or None.
    """

    def __init__(self, *, resolver: Callable[[str], object], not_found: str, **kwargs):
        kwargs.setdefault("max_length", MAX_QUERY_LENGTH)
        super().__init__(**kwargs)
        self.resolver = resolver
        self.not_found = not_found

    def clean(self, value):
        if value and not str(value).strip():
            # Blanks are not "not given" (that is ""): no record is named by them.
            raise ValidationError(self.not_found, code="not_found", params={"value": shown_value(value)})
        text = super().clean(value)
        if not text:
            return None
        found = self.resolver(text)
        if found is None:
            raise ValidationError(self.not_found, code="not_found", params={"value": text})
        return found


# The OpenAPI schema cannot infer a type from a resolver; these take strings.
@extend_schema_field(OpenApiTypes.STR)
class LookupFilter(django_filters.Filter):
    """Resolves the parameter to one record; the subclass's method does the filtering."""

    field_class = LookupField


class IntegerFilter(django_filters.NumberFilter):
    """A whole number in ASCII digits within the field's bounds (a DecimalField would accept 1e400)."""

    field_class = StrictIntegerField


class PublishedFilterSet(django_filters.FilterSet):
    """Base: published records only; errors give an empty result; ``sort`` applied last.

    ``filtered_without(name)`` re-applies the cleaned filters except one, which
    is what facet counts need (no extra lookup queries: values are already
    resolved).
    """

    sort_orders: dict[str, tuple[str, ...]] = {}
    default_sort = ""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        model = self._meta.model
        if queryset is None:
            queryset = model._default_manager.all()
        super().__init__(data, queryset.published(), request=request, prefix=prefix)

    # -- filtering -------------------------------------------------------------
    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.rejected():
            return queryset.none()
        return self.sorted(self.filtered_without(None, queryset))

    def filtered_without(self, excluded: str | None, queryset: QuerySet | None = None) -> QuerySet:
        """The queryset with every valid filter except ``excluded`` and ``sort`` applied.

        Empty when a value was rejected (other than ``sort``): counts and
        facets then agree with the empty list instead of counting everything.
        """
        self.errors  # noqa: B018 - cleaning resolves the lookups
        queryset = self.queryset.all() if queryset is None else queryset
        if self.rejected():
            return queryset.none()
        for name, value in self.form.cleaned_data.items():
            if name in {excluded, "sort"}:
                continue
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    def sorted(self, queryset: QuerySet) -> QuerySet:
        return self.order(queryset, self.sort_key)

    def order(self, queryset: QuerySet, key: str) -> QuerySet:
        return queryset.order_by(*self.sort_orders[key])

    @property
    def sort_key(self) -> str:
        """The requested order if valid, else the default (a bad ``sort`` is not worth an empty page)."""
        self.errors  # noqa: B018
        key = self.form.cleaned_data.get("sort") or ""
        return key if key in self.sort_orders else self.default_sort

    def selected(self) -> dict[str, object]:
        """Cleaned, non-empty parameter values: instances for lookups, text for q."""
        self.errors  # noqa: B018
        return {
            name: value for name, value in getattr(self.form, "cleaned_data", {}).items()
            if value not in (None, "", [])
        }

    def error_messages(self) -> list[str]:
        """Every form error as one flat list of messages (already translated)."""
        return [str(message) for errors in self.form.errors.values() for message in errors]

    def rejected(self) -> list[str]:
        """The parameters whose values were refused, in the order given; a bad ``sort`` is only ignored."""
        errors = self.form.errors
        return [name for name in self.filters if name in errors and name != "sort"]

    def rejection_message(self) -> str:
        """One sentence naming each refused parameter and its value, or "" when none was refused.

        "筛选条件无效：没有城市“nowhere”（参数 city=nowhere）。"
        The same words on the page, in the API's 400 and in an export's 400.
        """
        problems = []
        for name in self.rejected():
            reasons = "".join(str(message).rstrip("。") for message in self.form.errors[name])
            problems.append(_("%(reason)s（参数 %(name)s=%(value)s）") % {
                "reason": reasons, "name": name, "value": shown_value(self.data.get(name, "")),
            })
        if not problems:
            return ""
        return _("筛选条件无效：%(problems)s。") % {"problems": str(_("；")).join(problems)}



class PracticeFilterSet(PublishedFilterSet):
    """Filters for /practices/, /api/practices/ and the practice exports."""

    category = LookupFilter(
        method="filter_category", label=_("类别"),
        resolver=selectors.category_lookup, not_found=_("没有类别“%(value)s”。"),
    )
    city = LookupFilter(
        method="filter_city", label=_("城市"),
        resolver=selectors.city_lookup, not_found=_("没有城市“%(value)s”。"),
    )
    province = LookupFilter(
        method="filter_province", label=_("省份"),
        resolver=selectors.province_lookup, not_found=_("没有省份“%(value)s”。"),
    )
    has_metrics = StrictBooleanFilter(method="filter_has_metrics", label=_("有量化指标"))
    q = django_filters.CharFilter(method="filter_q", label=_("关键词"), max_length=MAX_QUERY_LENGTH)
    sort = django_filters.ChoiceFilter(
        method="filter_noop", label=_("排序"), empty_label=None,
        choices=[
            ("relevance", _("相关度")),
            ("number", _("序号")), ("-number", _("序号（倒序）")),
            ("name", _("名称")), ("-name", _("名称（倒序）")),
            ("-cities", _("城市数（多到少）")), ("cities", _("城市数（少到多）")),
        ],
    )

    sort_orders = {
        "relevance": ("-search_rank", "number"),
        "number": ("number",), "-number": ("-number",),
        "name": ("name", "number"), "-name": ("-name", "number"),
        "cities": ("city_count", "number"), "-cities": ("-city_count", "number"),
    }
    default_sort = "number"

    class Meta:
        model = Practice
        fields: list[str] = []

    def filter_category(self, queryset, name, value):
        return queryset.in_category(value)

    def filter_city(self, queryset, name, value):
        return queryset.with_entry(city=value)

    def filter_province(self, queryset, name, value):
        return queryset.with_entry(city__province=value)

    def filter_has_metrics(self, queryset, name, value):
        return queryset.with_metrics() if value else queryset.without_metrics()

    def filter_q(self, queryset, name, value):
        return practice_search(queryset, q=value)

    def filter_noop(self, queryset, name, value):
        return queryset

    @property
    def sort_key(self) -> str:
        key = super().sort_key
        searching = bool(self.selected().get("q"))
        if searching and (not self.data.get("sort") or "sort" in self.form.errors):
            return "relevance"
        if key == "relevance" and not searching:
            return self.default_sort
        return key

    def order(self, queryset: QuerySet, key: str) -> QuerySet:
        if key in {"cities", "-cities"}:
            queryset = queryset.with_city_count()
        return super().order(queryset, key)


class CaseReportFilterSet(PublishedFilterSet):
    """Filters for /case-reports/ and the case-report API."""

    province = LookupFilter(
        method="filter_province", label=_("省份"),
        resolver=selectors.province_lookup, not_found=_("没有省份“%(value)s”。"),
    )
    city = LookupFilter(
        method="filter_city", label=_("城市"),
        resolver=selectors.city_lookup, not_found=_("没有城市“%(value)s”。"),
    )
    category = LookupFilter(
        method="filter_category", label=_("类别"),
        resolver=selectors.category_lookup, not_found=_("没有类别“%(value)s”。"),
    )
    q = django_filters.CharFilter(method="filter_q", label=_("关键词"), max_length=MAX_QUERY_LENGTH)

    sort_orders = {"source": ("source__filename", "position"),
                   "relevance": ("-search_rank", "source__filename", "position")}
    default_sort = "source"

    class Meta:
        model = CaseReport
        fields: list[str] = []

    def filter_province(self, queryset, name, value):
        return queryset.in_province(value)

    def filter_city(self, queryset, name, value):
        return queryset.filter(pk__in=CaseReport.cities.through.objects.filter(city=value).values("casereport"))

    def filter_category(self, queryset, name, value):
        through = CaseReport.categories.through
        return queryset.filter(pk__in=through.objects.filter(category=value).values("casereport"))

    def filter_q(self, queryset, name, value):
        return case_report_search(queryset, q=value)

    @property
    def sort_key(self) -> str:
        return "relevance" if self.selected().get("q") else self.default_sort


class MetricFilterSet(PublishedFilterSet):
    """Filters for /metrics/ and the metric API: the metrics of published practices and case reports.

    ``unit`` must be the standard unit of some published metric (like a city, an
    unknown one is refused rather than answered with nothing).

    Sorting by value is only meaningful within one unit (元 next to % is not an
    order), so ``sort=value``/``-value`` is honoured only when ``unit`` is
    given; otherwise the default order applies and ``notices()`` says why.
    """

    OWNER_PRACTICE = "practice"
    OWNER_CASE_REPORT = "case_report"
    VALUE_SORTS = frozenset({"value", "-value"})

    unit = LookupFilter(
        method="filter_unit", label=_("标准单位"), max_length=20,
        resolver=lambda text: text if Metric.objects.published().filter(normalized_unit=text).exists() else None,
        not_found=_("没有标准单位“%(value)s”。"),
    )
    measure = django_filters.CharFilter(field_name="measure", label=_("度量"), max_length=20)
    owner = django_filters.ChoiceFilter(
        method="filter_owner", label=_("来源"),
        choices=[(OWNER_PRACTICE, _("典型做法")), (OWNER_CASE_REPORT, _("案例报道"))],
    )
    city = LookupFilter(
        method="filter_city", label=_("城市"),
        resolver=selectors.city_lookup, not_found=_("没有城市“%(value)s”。"),
    )
    category = LookupFilter(
        method="filter_category", label=_("类别"),
        resolver=selectors.category_lookup, not_found=_("没有类别“%(value)s”。"),
    )
    practice = extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_PRACTICE_NUMBER})(IntegerFilter(
        field_name="entry__practice__number", label=_("典型做法序号"), min_value=1, max_value=MAX_PRACTICE_NUMBER,
    ))
    kind = django_filters.ChoiceFilter(choices=Metric.Kind.choices, label=_("类型"))
    sort = django_filters.ChoiceFilter(
        method="filter_noop", label=_("排序"), empty_label=None,
        choices=[
            ("practice", _("所属做法或报道及顺序")),
            ("-value", _("标准化数值（大到小）")), ("value", _("标准化数值（小到大）")),
        ],
    )

    # Practice metrics first (by practice, city entry, position), then case
    # reports (by source, report, position); nulls_last keeps that order on
    # SQLite and PostgreSQL alike.
    OWNER_ORDER = (
        F("entry__practice__number").asc(nulls_last=True), F("entry__position").asc(nulls_last=True),
        F("case_report__source__filename").asc(nulls_last=True),
        F("case_report__position").asc(nulls_last=True), "position", "pk",
    )
    sort_orders = {
        "practice": OWNER_ORDER,
        "-value": ("-normalized_value", *OWNER_ORDER),
        "value": ("normalized_value", *OWNER_ORDER),
    }
    default_sort = "practice"

    class Meta:
        model = Metric
        fields: list[str] = []

    @property
    def sort_key(self) -> str:
        key = super().sort_key
        if key in self.VALUE_SORTS and not self.selected().get("unit"):
            return self.default_sort
        return key

    def value_sort_offered(self) -> bool:
        """Sorting by value is offered only within exactly one unit."""
        return bool(self.selected().get("unit"))

    def notices(self) -> list[str]:
        """Why a requested value sort was not applied (never mixing 元 and %)."""
        self.errors  # noqa: B018
        if self.form.cleaned_data.get("sort") in self.VALUE_SORTS and not self.value_sort_offered():
            return [str(_("按数值排序只能在选定一个标准单位后使用（不同单位的数值不能比较），已按所属做法或报道排序。"))]
        return []

    def filter_unit(self, queryset, name, value):
        return queryset.filter(normalized_unit=value)

    def filter_owner(self, queryset, name, value):
        if value == self.OWNER_PRACTICE:
            return queryset.filter(entry__isnull=False)
        return queryset.filter(case_report__isnull=False)

    def filter_city(self, queryset, name, value):
        reports = CaseReport.cities.through.objects.filter(city=value).values("casereport")
        return queryset.filter(Q(entry__city=value) | Q(case_report__in=reports))

    def filter_category(self, queryset, name, value):
        reports = CaseReport.categories.through.objects.filter(category=value).values("casereport")
        return queryset.filter(Q(entry__practice__category=value) | Q(case_report__in=reports))

    def filter_noop(self, queryset, name, value):
        return queryset
