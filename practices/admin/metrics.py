"""Metrics: filter by unit, city, practice and verification; correct figures in place; verify."""
from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import F

from .. import services
from ..forms import VersionedModelForm
from ..models import Metric
from ..resources import MetricResource
from .base import CatalogueAdmin, excerpt


class UnitFilter(admin.SimpleListFilter):
    title = "单位"
    parameter_name = "unit"

    def lookups(self, request, model_admin):
        units = Metric.objects.order_by("normalized_unit").values_list("normalized_unit", flat=True).distinct()
        return [(unit or "-", unit or "（无名数）") for unit in units]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.in_unit("" if self.value() == "-" else self.value())


class OwnerFilter(admin.SimpleListFilter):
    title = "来源"
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        return [("entry", "典型做法的城市做法"), ("case_report", "案例报道")]

    def queryset(self, request, queryset):
        if self.value() == "entry":
            return queryset.filter(entry__isnull=False)
        if self.value() == "case_report":
            return queryset.filter(case_report__isnull=False)
        return queryset


@admin.register(Metric)
class MetricAdmin(CatalogueAdmin):
    resource_classes = [MetricResource]
    form = VersionedModelForm
    list_display = ("owner", "position", "label", "raw", "value", "high", "unit", "normalized_value",
                    "normalized_unit", "kind", "as_of", "verified", "verified_by", "verified_at")
    list_display_links = ("owner", "raw")
    list_editable = ("label", "value", "high", "unit", "normalized_value", "normalized_unit", "kind")
    list_filter = (UnitFilter, ("entry__city", admin.RelatedOnlyFieldListFilter),
                   ("entry__practice", admin.RelatedOnlyFieldListFilter), "verified", "kind", OwnerFilter,
                   ("case_report", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("entry__practice", "entry__city", "case_report", "verified_by")
    search_fields = ("raw", "label", "sentence", "entry__practice__name", "=entry__practice__number",
                     "case_report__title")
    autocomplete_fields = ("entry", "case_report")
    actions = ["verify", "unverify"]
    fieldsets = [
        (None, {"fields": ("entry", "case_report", "position", "raw", "value", "high", "unit",
                           "normalized_value", "normalized_high", "normalized_unit", "kind", "qualifier", "label",
                           "as_of", "as_of_year", "as_of_month")}),
        ("出处（只读）", {"fields": ("sentence_excerpt", "offset")}),
        ("核实", {"fields": ("verified", "verified_by", "verified_at")}),
        ("记录", {"classes": ("collapse",), "fields": ("version",)}),
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["sentence_excerpt", "offset", "verified", "verified_by", "verified_at", "version"]
        if obj is not None:
            readonly += ["entry", "case_report"]
        return readonly

    def get_queryset(self, request):
        return super().get_queryset(request).order_by(
            F("entry__practice__number").asc(nulls_last=True), F("entry__position").asc(nulls_last=True),
            "case_report__source__filename", "case_report__position", "position",
        )

    def get_changelist_form(self, request, **kwargs):
        # Figures corrected in the list are versioned too (no lost updates).
        kwargs.setdefault("form", VersionedModelForm)
        return super().get_changelist_form(request, **kwargs)

    def has_verify_permission(self, request) -> bool:
        return request.user.has_perm("practices.verify_metric")

    @admin.display(description="所属", ordering="entry__practice__number")
    def owner(self, obj):
        if obj.entry_id:
            return f"{obj.entry.practice.number}. {obj.entry.city.name}"
        return f"报道：{obj.case_report.title}"

    @admin.display(description="原句")
    def sentence_excerpt(self, obj):
        return excerpt(obj.sentence, 1000)

    @admin.action(description="标记所选指标为已核实", permissions=["verify"])
    def verify(self, request, queryset):
        count = services.metric_verify(metrics=queryset, user=request.user)
        self.message_user(request, f"已核实 {count} 个指标（核实人：{request.user}）。", messages.SUCCESS)

    @admin.action(description="取消所选指标的核实", permissions=["verify"])
    def unverify(self, request, queryset):
        count = services.metric_unverify(metrics=queryset, user=request.user)
        self.message_user(request, f"已取消 {count} 个指标的核实。", messages.SUCCESS)
