"""Metrics: filter by unit, city, practice and verification; correct figures and measures in place; verify."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.utils.html import format_html, format_html_join

from .. import services
from ..catalogue_cache import catalogue_cached
from ..forms import VersionedModelForm
from ..models import CaseReport, City, Metric, Practice, PracticeEntry
from ..resources import MetricResource
from .base import excerpt
from .importing import CatalogueAdmin


def measure_choices() -> list[str]:
    """Every measure in use (drafts too), for the measure field's suggestions; cached until a change."""
    return catalogue_cached("admin_metric_measures", {}, lambda: list(
        Metric.objects.order_by("measure").values_list("measure", flat=True).distinct()))


class MeasureInput(forms.TextInput):
    """A text input suggesting the existing measures (an HTML datalist): staff reuse a key, not a near-duplicate.

    The datalist id is derived from the input's id, so the rows of the
    change list each have their own and ids stay unique on the page.
    """

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        options_id = f"{attrs.get('id') or 'id_' + name}-options"
        attrs["list"] = options_id
        field = super().render(name, value, attrs, renderer)
        options = format_html_join("", '<option value="{}">', ((m,) for m in measure_choices()))
        return format_html('{}<datalist id="{}">{}</datalist>', field, options_id, options)


class UnitFilter(admin.SimpleListFilter):
    title = "单位"
    parameter_name = "unit"

    def lookups(self, request, model_admin):
        # Distinct units of every metric (drafts too): a whole-index read at scale, so cached until a change.
        units = catalogue_cached("admin_metric_units", {}, lambda: list(
            Metric.objects.order_by("normalized_unit").values_list("normalized_unit", flat=True).distinct()))
        return [(unit or "-", unit or "（无名数）") for unit in units]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.in_unit("" if self.value() == "-" else self.value())


class MeasureFilter(admin.SimpleListFilter):
    title = "度量"
    parameter_name = "measure"

    def lookups(self, request, model_admin):
        return [(measure, measure) for measure in measure_choices()]

    def queryset(self, request, queryset):
        return queryset if self.value() is None else queryset.filter(measure=self.value())


class SelectedRecordFilter(admin.SimpleListFilter):
    """A filter on one related record, shown only while it is applied (links from other pages set it).

    Listing every practice (100,000 at scale) in the sidebar, as
    RelatedOnlyFieldListFilter does, would scan every metric to build it.
    """

    model = None

    def lookups(self, request, model_admin):
        value = self.value()
        if not value or not value.isdigit():
            return []
        record = self.model._default_manager.filter(pk=int(value)).first()
        return [(value, str(record))] if record is not None else []

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(**{self.parameter_name: int(value)})


class PracticeFilter(SelectedRecordFilter):
    title = "典型做法"
    parameter_name = "entry__practice__id__exact"
    model = Practice


class CaseReportFilter(SelectedRecordFilter):
    title = "案例报道"
    parameter_name = "case_report__id__exact"
    model = CaseReport


class EntryCityFilter(admin.SimpleListFilter):
    title = "城市"
    parameter_name = "entry__city__id__exact"

    def lookups(self, request, model_admin):
        reported = PracticeEntry.objects.filter(city=OuterRef("pk"))
        cities = City.objects.filter(Exists(reported)).select_related("province").order_by("province__adcode",
                                                                                              "adcode")
        return [(str(c.pk), f"{c.name}（{c.province.name}）") for c in cities]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(entry__city_id=int(value)) if value.isdigit() else queryset.none()


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
    list_display = ("owner", "position", "label", "measure", "raw", "value", "high", "unit", "normalized_value",
                    "normalized_unit", "kind", "as_of", "verified", "verified_by", "verified_at")
    list_display_links = ("owner", "raw")
    list_editable = ("label", "measure", "value", "high", "unit", "normalized_value", "normalized_unit", "kind")
    list_filter = (UnitFilter, MeasureFilter, EntryCityFilter, PracticeFilter, "verified", "kind", OwnerFilter, CaseReportFilter)
    list_select_related = ("entry__practice", "entry__city", "case_report", "verified_by")
    search_fields = ("raw", "label", "=measure", "sentence", "entry__practice__name", "=entry__practice__number",
                     "case_report__title")
    autocomplete_fields = ("entry", "case_report")
    actions = ["verify", "unverify"]
    fieldsets = [
        (None, {"fields": ("entry", "case_report", "position", "raw", "value", "high", "unit",
                           "normalized_value", "normalized_high", "normalized_unit", "kind", "qualifier", "label", "measure",
                           "as_of", "as_of_year", "as_of_month")}),
        ("出处（只读）", {"fields": ("sentence_excerpt", "offset")}),
        ("核实", {"fields": ("verified", "verified_by", "verified_at")}),
        ("记录", {"classes": ("collapse",), "fields": ("version",)}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "measure":
            kwargs["widget"] = MeasureInput(attrs={"size": 10})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["sentence_excerpt", "offset", "verified", "verified_by", "verified_at", "version"]
        if obj is not None:
            readonly += ["entry", "case_report"]
        return readonly

    def lookup_allowed(self, lookup, value, request=None):
        # The URL parameters of the record filters above (kept from the RelatedOnly filters they replace).
        if lookup in {PracticeFilter.parameter_name, CaseReportFilter.parameter_name, EntryCityFilter.parameter_name}:
            return True
        return super().lookup_allowed(lookup, value, request)

    # Load order, which is source order (practice, city paragraph, position; then the reports): an
    # index scan. Sorting by the practice's number would sort every metric joined to its practice.
    ordering = ("pk",)

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
