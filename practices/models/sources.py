"""Source documents: the verbatim files every record was read from."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..querysets import NaturalKeyManager


class SourceDocumentManager(NaturalKeyManager):
    natural_key_fields = ("filename",)


class SourceDocument(models.Model):
    class Kind(models.TextChoices):
        PRACTICE_LIST = "practice_list", _("典型做法清单")
        NEWSPAPER = "newspaper", _("报纸版面")
        REPORT = "report", _("工作报告")

    filename = models.CharField(_("文件名"), max_length=100, unique=True)
    title = models.CharField(_("标题"), max_length=200, blank=True,
                             help_text=_("文件自身印出的标题；报纸版面没有则留空。"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    publisher = models.CharField(_("发布者"), max_length=100, blank=True)
    date = models.DateField(_("日期"), null=True, blank=True)
    raw_text = models.TextField(_("原文"), help_text=_("逐字保存的原始文本。"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    non_article_parts = models.JSONField(
        _("非正文部分"), default=list, blank=True,
        help_text=_("版头、编者按、图片说明等不属于任何文章的部分。"),
    )

    objects = SourceDocumentManager()

    class Meta:
        verbose_name = _("来源文件")
        verbose_name_plural = _("来源文件")
        ordering = ["filename"]
        constraints = [
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="source_sha256_hex"),
        ]

    def __str__(self) -> str:
        return self.title or self.filename

    def natural_key(self) -> tuple:
        return (self.filename,)
