"""Metrics: the figures extracted from city entries and case reports."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..querysets import MetricManager
from .base import Curated
from .practices import PracticeEntry
from .reports import CaseReport


class Metric(Curated):
    class Kind(models.TextChoices):
        MONEY = "money", _("金额")
        COUNT = "count", _("数量")
        PERCENT = "percent", _("比率")
        DURATION = "duration", _("时长")
        AREA = "area", _("面积")
        MULTIPLE = "multiple", _("倍数")
        RATIO = "ratio", _("比例")
        LENGTH = "length", _("长度")

    entry = models.ForeignKey(
        PracticeEntry, on_delete=models.CASCADE, null=True, blank=True, related_name="metrics",
        verbose_name=_("城市做法"),
    )
    case_report = models.ForeignKey(
        CaseReport, on_delete=models.CASCADE, null=True, blank=True, related_name="metrics",
        verbose_name=_("案例报道"),
    )
    position = models.PositiveSmallIntegerField(_("顺序"))
    raw = models.CharField(_("原文数字"), max_length=100)
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=4)
    high = models.DecimalField(_("区间上限"), max_digits=20, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=20)
    normalized_value = models.DecimalField(_("标准化数值"), max_digits=28, decimal_places=4)
    normalized_high = models.DecimalField(
        _("标准化上限"), max_digits=28, decimal_places=4, null=True, blank=True
    )
    normalized_unit = models.CharField(
        _("标准单位"), max_length=20, blank=True,
        help_text=_("去掉数量级（万、亿）和“余、多”后的单位；无名数（如“用户数5.02万”）为空。"),
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    qualifier = models.CharField(_("限定词"), max_length=20, blank=True)
    label = models.CharField(_("指标"), max_length=200, blank=True)
    measure = models.CharField(
        _("度量"), max_length=20, db_index=True,
        help_text=_("指标衡量的是什么（如“贷款余额”“企业数”“占比”）；由指标名和单位推定，工作人员可修改。"
                    "只有度量和标准单位都相同的指标才会在对比图中放在一起。"),
    )
    as_of = models.CharField(_("时间范围"), max_length=60, blank=True)
    as_of_year = models.PositiveSmallIntegerField(_("年份"), null=True, blank=True)
    as_of_month = models.PositiveSmallIntegerField(_("月份"), null=True, blank=True)
    sentence = models.TextField(_("原句"))
    offset = models.PositiveIntegerField(_("字符位置"), default=0)
    verified = models.BooleanField(_("已核实"), default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="verified_metrics", verbose_name=_("核实人"),
    )
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)

    objects = MetricManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        # Staff roles (编辑/审核) and django-import-export's permission codes.
        permissions = [
            ("verify_metric", _("可以核实指标")),
            ("import_metric", _("可以导入指标")),
            ("export_metric", _("可以导出指标")),
        ]
        ordering = ["entry", "case_report", "position"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(entry__isnull=False) & Q(case_report__isnull=True))
                | (Q(entry__isnull=True) & Q(case_report__isnull=False)),
                name="metric_exactly_one_owner",
            ),
            models.UniqueConstraint(
                fields=["entry", "position"], condition=Q(entry__isnull=False),
                name="metric_unique_position_in_entry",
            ),
            models.UniqueConstraint(
                fields=["case_report", "position"], condition=Q(case_report__isnull=False),
                name="metric_unique_position_in_case_report",
            ),
            models.CheckConstraint(condition=Q(high__isnull=True) | Q(high__gte=models.F("value")),
                                   name="metric_range_ordered"),
            models.CheckConstraint(
                condition=Q(as_of_month__isnull=True) | (Q(as_of_month__gte=1) & Q(as_of_month__lte=12)),
                name="metric_month_valid",
            ),
            models.CheckConstraint(
                condition=Q(verified=False) | Q(verified_at__isnull=False), name="metric_verified_has_time"
            ),
        ]
        indexes = [models.Index(fields=["normalized_unit", "normalized_value"], name="metric_unit_value")]

    def __str__(self) -> str:
        return f"{self.label} {self.raw}".strip()

    def natural_key(self) -> tuple:
        if self.entry_id:
            return ("entry", self.entry.practice.number, self.entry.city.slug, self.position)
        return ("case_report", self.case_report.source.filename, self.case_report.position, self.position)

    natural_key.dependencies = ["practices.practiceentry", "practices.casereport"]
