"""Case reports (with related practices and metrics) and the related-practice suggestions."""
from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Q

from .. import services
from ..forms import VERSION_FIELD, VersionedModelForm
from ..models import CaseReport, Metric, RelatedPractice
from ..resources import CaseReportResource
from ..search import case_report_matching
from .base import HistoryAdmin, excerpt
from .importing import CatalogueAdmin
from .practices import ReextractMixin
from .scale import related_count


class DecisionFilter(admin.SimpleListFilter):
    title = "审核状态"
    parameter_name = "decision"

    def lookups(self, request, model_admin):
        return [("pending", "待审核"), ("confirmed", "已确认"), ("rejected", "已否决")]

    def queryset(self, request, queryset):
        return {
            "pending": queryset.filter(confirmed__isnull=True),
            "confirmed": queryset.filter(confirmed=True),
            "rejected": queryset.filter(confirmed=False),
        }.get(self.value(), queryset)


class RelatedPracticeInline(admin.TabularInline):
    model = RelatedPractice
    extra = 0
    fields = ("rank", "practice", "score", "confirmed")
    readonly_fields = ("rank", "score")
    autocomplete_fields = ("practice",)
    ordering = ("rank",)


class CaseReportMetricInline(admin.TabularInline):
    model = Metric
    fk_name = "case_report"
    form = VersionedModelForm
    extra = 0
    fields = ("position", "raw", "value", "high", "unit", "normalized_value", "normalized_high", "normalized_unit",
              "kind", "qualifier", "label", "as_of", "verified", VERSION_FIELD)
    readonly_fields = ("verified",)
    ordering = ("position",)
    show_change_link = True


class RelatedDecisionMixin:
    def _links(self, queryset):
        return queryset

    @admin.action(description="确认所选相关典型做法", permissions=["change"])
    def confirm_related(self, request, queryset):
        count = services.related_practice_confirm(links=self._links(queryset), user=request.user)
        self.message_user(request, f"已确认 {count} 条相关典型做法。", messages.SUCCESS)

    @admin.action(description="否决所选相关典型做法", permissions=["change"])
    def reject_related(self, request, queryset):
        count = services.related_practice_reject(links=self._links(queryset), user=request.user)
        self.message_user(request, f"已否决 {count} 条相关典型做法。", messages.SUCCESS)


@admin.register(CaseReport)
class CaseReportAdmin(ReextractMixin, RelatedDecisionMixin, CatalogueAdmin):
    resource_classes = [CaseReportResource]
    list_display = ("title", "source", "position", "province", "status", "city_list", "link_summary",
                    "published_at")
    list_filter = ("status", "province", "cities", "categories", "source")
    list_select_related = ("source", "province")
    search_fields = ("title", "subtitle", "kicker", "byline", "body")
    autocomplete_fields = ("province", "cities", "categories")
    ordering = ("source__filename", "position")
    inlines = [RelatedPracticeInline, CaseReportMetricInline]
    actions = ["publish", "unpublish", "confirm_related", "reject_related", "reextract_metrics"]
    fieldsets = [
        (None, {"fields": ("title", "subtitle", "kicker", "byline", "province", "cities", "categories", "status",
                           "body")}),
        ("出处（只读）", {"fields": ("source", "position", "spans", "source_excerpt")}),
        ("记录", {"classes": ("collapse",), "fields": ("published_at", "version", "created", "updated")}),
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["spans", "source_excerpt", "published_at", "version", "created", "updated"]
        if obj is not None:
            readonly += ["source", "position"]
        if not self.has_publish_permission(request):
            readonly.append("status")
        return readonly

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("cities").annotate(
            link_count=related_count(RelatedPractice, "case_report"),
            pending_count=related_count(RelatedPractice, "case_report", confirmed__isnull=True),
        )

    def get_search_results(self, request, queryset, search_term):
        """Title and byline by substring, everything else by the indexed words (no LIKE over the bodies)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        matching = case_report_matching(CaseReport.objects.all(), q=term).values("pk")
        lookup = "icontains" if term.isascii() else "contains"  # Chinese has no case: no UPPER() per row
        condition = Q(**{f"title__{lookup}": term}) | Q(**{f"byline__{lookup}": term}) | Q(pk__in=matching)
        return queryset.filter(condition), False

    def _links(self, queryset):
        return RelatedPractice.objects.filter(case_report__in=queryset, confirmed__isnull=True)

    @admin.display(description="涉及城市")
    def city_list(self, obj):
        return "、".join(city.name for city in obj.cities.all())

    @admin.display(description="相关做法（待审核/总数）", ordering="link_count")
    def link_summary(self, obj):
        return f"{obj.pending_count}/{obj.link_count}"

    @admin.display(description="原文区间")
    def spans(self, obj):
        return "；".join(f"[{start}, {end})" for start, end in obj.source_spans) or "—"

    @admin.display(description="原文片段")
    def source_excerpt(self, obj):
        raw = obj.source.raw_text
        pieces = [raw[start:end] for start, end in obj.source_spans[:3]]
        return excerpt("\n".join(pieces) or obj.body, 600)

    @admin.action(description="发布所选案例报道", permissions=["publish"])
    def publish(self, request, queryset):
        with transaction.atomic():
            count = sum(services.case_report_publish(case_report=r, user=request.user) for r in queryset)
        self.message_user(request, f"已发布 {count} 篇案例报道。", messages.SUCCESS)

    @admin.action(description="撤回所选案例报道为草稿", permissions=["publish"])
    def unpublish(self, request, queryset):
        with transaction.atomic():
            count = sum(services.case_report_unpublish(case_report=r, user=request.user) for r in queryset)
        self.message_user(request, f"已撤回 {count} 篇案例报道。", messages.SUCCESS)

    @admin.action(description="确认所选报道中待审核的相关做法", permissions=["change"])
    def confirm_related(self, request, queryset):
        super().confirm_related(request, queryset)

    @admin.action(description="否决所选报道中待审核的相关做法", permissions=["change"])
    def reject_related(self, request, queryset):
        super().reject_related(request, queryset)


@admin.register(RelatedPractice)
class RelatedPracticeAdmin(RelatedDecisionMixin, HistoryAdmin):
    list_display = ("case_report", "practice", "rank", "score", "confirmed")
    list_filter = (DecisionFilter, "practice__category", "case_report__province", "case_report__source")
    list_select_related = ("case_report", "practice")
    search_fields = ("case_report__title", "practice__name", "=practice__number")
    autocomplete_fields = ("case_report", "practice")
    ordering = ("case_report__source__filename", "case_report__position", "rank")
    actions = ["confirm_related", "reject_related"]
    fields = ("case_report", "practice", "rank", "score", "confirmed")
    readonly_fields = ("rank", "score")

    def get_readonly_fields(self, request, obj=None):
        return ("case_report", "practice", "rank", "score") if obj else ("rank", "score")
