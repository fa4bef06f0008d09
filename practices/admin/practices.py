"""Practices with their city entries; entries with their metrics."""
from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q

from .. import services
from ..forms import VERSION_FIELD, VersionedModelForm
from ..models import Metric, Practice, PracticeEntry
from ..resources import PracticeResource
from ..search import practice_matching
from .base import HistoryAdmin, excerpt
from .importing import CatalogueAdmin
from .scale import related_count


def line_range(obj) -> str:
    if obj.line_start is None:
        return "—"
    return f"第 {obj.line_start}–{obj.line_end} 行"


def reextract_report_message(report) -> str:
    total = report.totals()
    skipped = f"；{total.skipped} 个已核实或编辑过的指标保持不变" if total.skipped else ""
    return (f"已重新抽取指标：新增 {total.created}，更新 {total.updated}，未变 {total.unchanged}，"
            f"删除过时的 {len(report.deleted)}{skipped}。")


class ReextractMixin:
    """The "re-run metric extraction" action (needs add and change permission on metrics)."""

    def has_reextract_permission(self, request) -> bool:
        return request.user.has_perms(["practices.add_metric", "practices.change_metric"])

    @admin.action(description="重新抽取所选记录的指标（保留已核实和编辑过的）", permissions=["reextract"])
    def reextract_metrics(self, request, queryset):
        report = services.metrics_reextract(owners=list(queryset), user=request.user)
        self.message_user(request, reextract_report_message(report), messages.SUCCESS)


class EntryMetricInline(admin.TabularInline):
    """Metrics of one city entry; figures can be corrected in place (verification is an action)."""

    model = Metric
    fk_name = "entry"
    form = VersionedModelForm
    extra = 0
    fields = ("position", "raw", "value", "high", "unit", "normalized_value", "normalized_high", "normalized_unit",
              "kind", "qualifier", "label", "as_of", "verified", VERSION_FIELD)
    readonly_fields = ("verified",)
    ordering = ("position",)
    show_change_link = True


class PracticeEntryInline(admin.StackedInline):
    model = PracticeEntry
    form = VersionedModelForm
    extra = 0
    fields = ("position", "city", "text", "provenance", VERSION_FIELD)
    readonly_fields = ("provenance",)
    autocomplete_fields = ("city",)
    ordering = ("position",)
    show_change_link = True

    @admin.display(description="出处")
    def provenance(self, obj):
        return line_range(obj)


class CityFilter(admin.SimpleListFilter):
    title = "城市"
    parameter_name = "city"

    def lookups(self, request, model_admin):
        from ..models import City

        reported = PracticeEntry.objects.filter(city=OuterRef("pk"))
        cities = City.objects.filter(Exists(reported)).select_related("province").order_by("province__adcode", "adcode")
        return [(c.slug, f"{c.name}（{c.province.name}）") for c in cities]

    def queryset(self, request, queryset):
        return queryset.with_entry(city__slug=self.value()) if self.value() else queryset


class ProvinceFilter(admin.SimpleListFilter):
    title = "省份"
    parameter_name = "province"

    def lookups(self, request, model_admin):
        from ..models import Province

        reported = PracticeEntry.objects.filter(city__province=OuterRef("pk"))
        return [(p.slug, p.name) for p in Province.objects.filter(Exists(reported)).order_by("adcode")]

    def queryset(self, request, queryset):
        return queryset.with_entry(city__province__slug=self.value()) if self.value() else queryset


class VerifiedMetricsFilter(admin.SimpleListFilter):
    title = "指标核实"
    parameter_name = "metrics_verified"

    def lookups(self, request, model_admin):
        return [("all", "全部已核实"), ("some", "有待核实的指标"), ("none", "没有指标")]

    def queryset(self, request, queryset):
        pending = Metric.objects.filter(entry__practice=OuterRef("pk"), verified=False)
        if self.value() == "all":
            return queryset.with_metrics().exclude(Exists(pending))
        if self.value() == "some":
            return queryset.filter(Exists(pending))
        if self.value() == "none":
            return queryset.without_metrics()
        return queryset


@admin.register(Practice)
class PracticeAdmin(ReextractMixin, CatalogueAdmin):
    resource_classes = [PracticeResource]
    list_display = ("number", "name", "category", "status", "city_list", "metric_summary", "published_at", "updated")
    list_display_links = ("number", "name")
    list_filter = ("status", "category", CityFilter, ProvinceFilter, VerifiedMetricsFilter, "source")
    list_select_related = ("category", "source")
    search_fields = ("name", "=number", "entries__text", "entries__city__name")
    search_help_text = "按名称或做法正文中的词（如“融资”“无还本续贷”）、序号或城市名搜索"
    autocomplete_fields = ("category", "source")
    ordering = ("number",)
    inlines = [PracticeEntryInline]
    actions = ["publish", "unpublish", "reextract_metrics"]
    fieldsets = [
        (None, {"fields": ("number", "name", "category", "status")}),
        ("出处（只读）", {"fields": ("source", "source_file", "line_range", "raw_excerpt")}),
        ("记录", {"classes": ("collapse",), "fields": ("published_at", "version", "created", "updated")}),
    ]
    base_readonly = ("source_file", "line_range", "raw_excerpt", "published_at", "version", "created", "updated")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(self.base_readonly)
        if obj is not None:
            readonly += ["number", "source"]  # business key and provenance are fixed once loaded
        if not self.has_publish_permission(request):
            readonly.append("status")
        return readonly

    def get_queryset(self, request):
        # Per-row subqueries: computed for the page shown, not grouped over every metric first.
        return super().get_queryset(request).prefetch_related(
            Prefetch("entries", queryset=PracticeEntry.objects.select_related("city").only(
                "pk", "practice_id", "position", "city__name")),
        ).annotate(
            metric_count=related_count(Metric, "entry__practice"),
            verified_count=related_count(Metric, "entry__practice", verified=True),
        )

    def get_search_results(self, request, queryset, search_term):
        """Indexed words of the name and text (practices.search), the number, or a city name's start.

        Returns (queryset, may_have_duplicates=False).
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        # Words of the name and text through the search index (the name is part of the
        # indexed document). No LIKE '%…%' on the name: a scan of every row (~1 s at
        # 100,000 practices on this machine), and the words are what staff look for.
        condition = Q(pk__in=practice_matching(Practice.objects.all(), q=term).values("pk"))
        # IN (subquery), not EXISTS: hashed once, not probed for each of the table's rows.
        condition |= Q(pk__in=PracticeEntry.objects.filter(city__name__startswith=term).values("practice_id"))
        if term.isascii() and term.isdigit() and len(term) < 10:
            condition |= Q(number=int(term))
        return queryset.filter(condition), False

    @admin.display(description="城市")
    def city_list(self, obj):
        return "、".join(entry.city.name for entry in sorted(obj.entries.all(), key=lambda e: e.position))

    @admin.display(description="指标（已核实/总数）", ordering="metric_count")
    def metric_summary(self, obj):
        return f"{obj.verified_count}/{obj.metric_count}"

    @admin.display(description="来源行")
    def line_range(self, obj):
        return line_range(obj)

    @admin.display(description="来源文件名")
    def source_file(self, obj):
        return obj.source.filename if obj.source_id else "—"

    @admin.display(description="原文片段")
    def raw_excerpt(self, obj):
        return excerpt(obj.raw_text)

    @admin.action(description="发布所选典型做法", permissions=["publish"])
    def publish(self, request, queryset):
        with transaction.atomic():
            count = sum(services.practice_publish(practice=p, user=request.user) for p in queryset)
        self.message_user(request, f"已发布 {count} 条典型做法。", messages.SUCCESS)

    @admin.action(description="撤回所选典型做法为草稿（前台、API 和导出不再显示）", permissions=["publish"])
    def unpublish(self, request, queryset):
        with transaction.atomic():
            count = sum(services.practice_unpublish(practice=p, user=request.user) for p in queryset)
        self.message_user(request, f"已撤回 {count} 条典型做法。", messages.SUCCESS)


@admin.register(PracticeEntry)
class PracticeEntryAdmin(ReextractMixin, HistoryAdmin):
    list_display = ("practice_number", "practice", "city", "position", "metric_count", "line_range")
    list_display_links = ("practice_number", "practice")
    list_filter = ("practice__category", "practice__status", "city__province", "city")
    list_select_related = ("practice", "city__province")
    search_fields = ("practice__name", "=practice__number", "city__name", "text")
    autocomplete_fields = ("practice", "city")
    ordering = ("practice__number", "position")
    inlines = [EntryMetricInline]
    actions = ["reextract_metrics"]
    fieldsets = [
        (None, {"fields": ("practice", "city", "position", "text")}),
        ("出处（只读）", {"fields": ("line_range", "source_excerpt")}),
        ("记录", {"classes": ("collapse",), "fields": ("version",)}),
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["line_range", "source_excerpt", "version"]
        if obj is not None:
            readonly.append("practice")
        return readonly

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(metric_count=related_count(Metric, "entry"))

    @admin.display(description="序号", ordering="practice__number")
    def practice_number(self, obj):
        return obj.practice.number

    @admin.display(description="指标数", ordering="metric_count")
    def metric_count(self, obj):
        return obj.metric_count

    @admin.display(description="来源行")
    def line_range(self, obj):
        return line_range(obj)

    @admin.display(description="来源文件与原文")
    def source_excerpt(self, obj):
        practice = obj.practice
        return excerpt(f"{practice.source.filename}\n\n{practice.raw_text}", 1200)
