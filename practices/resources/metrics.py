"""The metric Resource: metrics addressed by their owner (a city entry or a case report) and position."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone
from import_export import fields

from ..models import CaseReport, Metric, PracticeEntry
from ..services import permissions_require
from .base import CatalogueResource, column_field
from .cells import city_label, resolve_city
from .formulas import restore_value
from .widgets import ChoiceWidget, PlainDecimalWidget, PlainIntegerWidget, StrictBooleanWidget, TextWidget


class _MetricKeyField(fields.Field):
    """An owner column of a metric (export from the owner; import resolved in get_instance)."""

    def __init__(self, column, getter, widget=None):
        self.getter = getter
        # The widget only tells an XLSX export whether the column is a number (exports are text here).
        super().__init__(attribute=None, column_name=column, widget=widget or TextWidget(), readonly=True)

    def get_value(self, instance):
        return self.getter(instance)

    def export(self, instance, **kwargs):
        value = self.get_value(instance)
        return "" if value is None else str(value)


def _metric_owner(metric, kind):
    if kind == "owner":
        return "entry" if metric.entry_id else "case_report" if metric.case_report_id else ""
    if metric.entry_id:
        # The city column is MetricResource.dehydrate_city (with the export's homonym list).
        return metric.entry.practice.number if kind == "practice" else ""
    if metric.case_report_id:
        return {"source": metric.case_report.source.filename,
                "report_position": metric.case_report.position}.get(kind, "")
    return ""


class MetricResource(CatalogueResource):
    """Metrics of a city entry (practice + city) or of a case report (source + report_position)."""

    owner = _MetricKeyField("owner", lambda m: _metric_owner(m, "owner"))
    practice = _MetricKeyField("practice", lambda m: _metric_owner(m, "practice"), PlainIntegerWidget())
    city = _MetricKeyField("city", lambda m: city_label(m.entry.city) if m.entry_id else "")  # export: dehydrate_city
    source = _MetricKeyField("source", lambda m: _metric_owner(m, "source"))
    report_position = _MetricKeyField("report_position", lambda m: _metric_owner(m, "report_position"),
                                      PlainIntegerWidget())
    position = column_field("position", widget=PlainIntegerWidget())
    raw = column_field("raw")
    value = column_field("value", widget=PlainDecimalWidget())
    high = column_field("high", widget=PlainDecimalWidget())
    unit = column_field("unit")
    normalized_value = column_field("normalized_value", widget=PlainDecimalWidget())
    normalized_high = column_field("normalized_high", widget=PlainDecimalWidget())
    normalized_unit = column_field("normalized_unit")
    kind = column_field("kind", widget=ChoiceWidget(Metric.Kind, "类型"))
    qualifier = column_field("qualifier")
    label = column_field("label")
    measure = column_field("measure")
    as_of = column_field("as_of")
    as_of_year = column_field("as_of_year", widget=PlainIntegerWidget())
    as_of_month = column_field("as_of_month", widget=PlainIntegerWidget())
    sentence = column_field("sentence")
    offset = column_field("offset", widget=PlainIntegerWidget())
    verified = column_field("verified", widget=StrictBooleanWidget())

    KEY_COLUMNS = ("owner", "practice", "city", "source", "report_position", "position")

    class Meta:
        model = Metric
        fields = ("owner", "practice", "city", "source", "report_position", "position", "raw", "value", "high",
                  "unit", "normalized_value", "normalized_high", "normalized_unit", "kind", "qualifier", "label",
                  "measure", "as_of", "as_of_year", "as_of_month", "sentence", "offset", "verified")
        export_order = fields
        import_id_fields = ("owner", "practice", "city", "source", "report_position", "position")
        skip_unchanged = True
        clean_model_instances = True
        use_transactions = True

    def get_queryset(self):
        return Metric.objects.select_related(
            "entry__practice", "entry__city__province", "case_report__source"
        ).order_by(*(models.F(name).asc(nulls_last=True) for name in (
            "entry__practice__number", "entry__position", "case_report__source__filename", "case_report__position",
        )), "position")

    def published(self, queryset):
        return queryset.published()

    def dehydrate_city(self, metric):
        return city_label(metric.entry.city, self.homonyms()) if metric.entry_id else ""

    def get_import_fields(self):
        return [self.fields[name] for name in self._meta.fields if name not in self.KEY_COLUMNS[:-1]]

    def resolve_owner(self, row) -> tuple[str, models.Model]:
        owner = str(restore_value(row.get("owner")) or "").strip()
        if owner == "entry":
            try:
                number = PlainIntegerWidget().clean(row.get("practice"))
            except ValueError as exc:
                raise ValueError(f"practice 不是序号：{row.get('practice')}") from exc
            city = resolve_city(str(restore_value(row.get("city")) or ""))
            entry = PracticeEntry.objects.filter(practice__number=number, city=city).first()
            if entry is None:
                raise ValueError(f"典型做法 {number} 没有 {city.name} 的城市做法")
            return "entry", entry
        if owner == "case_report":
            filename = str(restore_value(row.get("source")) or "").strip()
            try:
                position = PlainIntegerWidget().clean(row.get("report_position"))
            except ValueError as exc:
                raise ValueError(f"report_position 不是整数：{row.get('report_position')}") from exc
            report = CaseReport.objects.filter(source__filename=filename, position=position).first()
            if report is None:
                raise ValueError(f"没有案例报道 {filename} #{position}")
            return "case_report", report
        raise ValueError(f"owner 只能是 entry 或 case_report，不能是“{owner}”")

    def get_instance(self, instance_loader, row):
        try:
            kind, owner = self.resolve_owner(row)
            position = PlainIntegerWidget().clean(row.get("position"))
        except ValueError:
            return None
        return self.get_queryset().filter(**{kind: owner, "position": position}).first()

    def check_row(self, instance, row, errors):
        try:
            kind, owner = self.resolve_owner(row)
        except ValueError as exc:
            errors["owner"] = ValidationError(str(exc))
            return
        setattr(instance, kind, owner)
        was = Metric.objects.filter(pk=instance.pk).values_list("verified", flat=True).first() if instance.pk else False
        if bool(instance.verified) != bool(was):
            try:
                permissions_require(user=self.user, codenames=("verify_metric",))
            except PermissionDenied:
                errors["verified"] = ValidationError("你没有核实指标的权限（需要审核角色）")
                return
            verified = bool(instance.verified)
            instance.verified_at = timezone.now() if verified else None
            instance.verified_by = self.user if verified and getattr(self.user, "pk", None) else None
