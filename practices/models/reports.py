"""Case reports (newspaper and work-report articles) and their links to practices."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..querysets import CaseReportManager, NaturalKeyManager, RelatedPracticeQuerySet
from .base import SEARCH_FIELDS, Curated, Status, search_document_field, search_title_field, search_vector_field
from .categories import Category
from .places import City, Province
from .practices import Practice
from .sources import SourceDocument


class CaseReport(Curated):
    source = models.ForeignKey(
        SourceDocument, on_delete=models.PROTECT, related_name="case_reports", verbose_name=_("来源文件")
    )
    position = models.PositiveSmallIntegerField(_("顺序"), help_text=_("在来源文件中的顺序，从 1 开始。"))
    title = models.CharField(_("标题"), max_length=200)
    subtitle = models.CharField(_("副标题"), max_length=200, blank=True)
    kicker = models.CharField(_("栏目"), max_length=100, blank=True)
    byline = models.CharField(_("作者"), max_length=200, blank=True)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="case_reports", verbose_name=_("省份")
    )
    cities = models.ManyToManyField(City, related_name="case_reports", blank=True, verbose_name=_("涉及城市"))
    body = models.TextField(_("正文"))
    categories = models.ManyToManyField(
        Category, related_name="case_reports", blank=True, verbose_name=_("主题类别")
    )
    related_practices = models.ManyToManyField(
        Practice, through="RelatedPractice", related_name="case_reports", blank=True,
        verbose_name=_("相关典型做法"),
    )
    source_spans = models.JSONField(
        _("原文位置"), default=list, blank=True,
        help_text=_("本文在来源原文中所占的字符区间 [起, 止)。"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)
    search_title = search_title_field()
    search_document = search_document_field()
    search_vector = search_vector_field()

    objects = CaseReportManager()
    history = HistoricalRecords(m2m_fields=[cities, categories], excluded_fields=SEARCH_FIELDS)

    class Meta:
        verbose_name = _("案例报道")
        verbose_name_plural = _("案例报道")
        # Staff roles (编辑/审核) and django-import-export's permission codes.
        permissions = [
            ("publish_casereport", _("可以发布或撤回案例报道")),
            ("import_casereport", _("可以导入案例报道")),
            ("export_casereport", _("可以导出案例报道")),
        ]
        ordering = ["source__filename", "position"]
        constraints = [
            models.UniqueConstraint(fields=["source", "position"], name="case_report_unique_position"),
            models.CheckConstraint(condition=Q(position__gte=1), name="case_report_position_positive"),
            models.CheckConstraint(condition=~Q(title=""), name="case_report_title_not_blank"),
            models.CheckConstraint(condition=~Q(body=""), name="case_report_body_not_blank"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="case_report_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """/case-reports/<source slug>/<position>/: the natural key, so it survives a restore.

        Reads ``source``: querysets that link many reports select it.
        """
        return reverse("practices:case-report-detail", kwargs={"source": self.source.slug, "position": self.position})

    def natural_key(self) -> tuple:
        return (self.source.filename, self.position)

    natural_key.dependencies = ["practices.sourcedocument"]


class RelatedPracticeManager(NaturalKeyManager.from_queryset(RelatedPracticeQuerySet)):
    natural_key_fields = ("case_report__source__filename", "case_report__position", "practice__number")


class RelatedPractice(models.Model):
    case_report = models.ForeignKey(
        CaseReport, on_delete=models.CASCADE, related_name="practice_links", verbose_name=_("案例报道")
    )
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="case_report_links", verbose_name=_("典型做法")
    )
    score = models.DecimalField(_("相似度"), max_digits=5, decimal_places=4)
    rank = models.PositiveSmallIntegerField(_("排名"), default=1)
    confirmed = models.BooleanField(
        _("已确认"), null=True, blank=True,
        help_text=_("空：待审核；是：工作人员确认相关；否：工作人员否决。"),
    )

    objects = RelatedPracticeManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("相关典型做法")
        verbose_name_plural = _("相关典型做法")
        ordering = ["case_report", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["case_report", "practice"], name="related_practice_unique"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=1), name="related_score_0_1"),
        ]

    def __str__(self) -> str:
        return f"{self.case_report} ↔ {self.practice}"

    def natural_key(self) -> tuple:
        return (*self.case_report.natural_key(), self.practice.number)

    natural_key.dependencies = ["practices.casereport", "practices.practice"]
