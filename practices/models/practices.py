"""Typical practices and their per-city entries."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..querysets import NaturalKeyManager, PracticeManager
from .base import SEARCH_FIELDS, Curated, Status, search_document_field, search_title_field, search_vector_field
from .categories import Category
from .places import City
from .sources import SourceDocument


class Practice(Curated):
    number = models.PositiveIntegerField(_("序号"), unique=True)
    name = models.CharField(_("名称"), max_length=200)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="practices", verbose_name=_("类别")
    )
    source = models.ForeignKey(
        SourceDocument, on_delete=models.PROTECT, related_name="practices", verbose_name=_("来源文件")
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    line_start = models.PositiveIntegerField(_("起始行"), null=True, blank=True)
    line_end = models.PositiveIntegerField(_("结束行"), null=True, blank=True)
    raw_text = models.TextField(_("原文片段"), blank=True, help_text=_("来源文件中本条目的原始行。"))
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)
    search_title = search_title_field()
    search_document = search_document_field()
    search_vector = search_vector_field()

    objects = PracticeManager()
    history = HistoricalRecords(excluded_fields=SEARCH_FIELDS)

    class Meta:
        verbose_name = _("典型做法")
        verbose_name_plural = _("典型做法")
        # Staff roles (编辑/审核) and django-import-export's permission codes.
        permissions = [
            ("publish_practice", _("可以发布或撤回典型做法")),
            ("import_practice", _("可以导入典型做法")),
            ("export_practice", _("可以导出典型做法")),
        ]
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="practice_number_positive"),
            models.CheckConstraint(condition=~Q(name=""), name="practice_name_not_blank"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="practice_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(line_end__gte=models.F("line_start")) | Q(line_end__isnull=True),
                name="practice_lines_ordered",
            ),
        ]
        # The public only reads published rows. These partial indexes serve its pages
        # (by number, within a category by number) and, holding the id, its counts and
        # facet subqueries as index-only scans, off the heap.
        indexes = [
            models.Index(fields=["number", "id"], condition=Q(status=Status.PUBLISHED),
                         name="practice_published_number"),
            models.Index(fields=["category", "number", "id"], condition=Q(status=Status.PUBLISHED),
                         name="practice_published_category"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("practices:practice-detail", kwargs={"number": self.number})

    def natural_key(self) -> tuple:
        return (self.number,)


class PracticeEntryManager(NaturalKeyManager):
    natural_key_fields = ("practice__number", "city__name", "city__province__name")


class PracticeEntry(Curated):
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="entries", verbose_name=_("典型做法")
    )
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="entries", verbose_name=_("城市"))
    position = models.PositiveSmallIntegerField(_("顺序"), help_text=_("在来源中的段落顺序，从 1 开始。"))
    text = models.TextField(_("做法和成效"))
    line_start = models.PositiveIntegerField(_("起始行"), null=True, blank=True)
    line_end = models.PositiveIntegerField(_("结束行"), null=True, blank=True)

    objects = PracticeEntryManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("城市做法")
        verbose_name_plural = _("城市做法")
        ordering = ["practice__number", "position"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "city"], name="entry_unique_city_per_practice"),
            models.UniqueConstraint(fields=["practice", "position"], name="entry_unique_position"),
            models.CheckConstraint(condition=Q(position__gte=1), name="entry_position_positive"),
            models.CheckConstraint(condition=~Q(text=""), name="entry_text_not_blank"),
        ]
        # "Practices reported by city X" (list filter, city facet) reads this index only.
        indexes = [models.Index(fields=["city", "practice"], name="entry_city_practice")]

    def __str__(self) -> str:
        return f"{self.practice.number}. {self.practice.name} · {self.city.name}"

    def get_absolute_url(self) -> str:
        return self.practice.get_absolute_url() + f"#entry-{self.position}"

    def natural_key(self) -> tuple:
        return (self.practice.number, *self.city.natural_key())

    natural_key.dependencies = ["practices.practice", "practices.city"]
