"""Source documents: the verbatim files every record was read from."""
from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath

from django.db import models
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ..querysets import NaturalKeyManager
from .base import Curated

SLUG_MAX_LENGTH = 100
# The vendored sources are named "<number>_<hash>.txt" ("003_0afe494a00c202ac.txt"):
# the number is what the project calls them by ("source 003").
_NUMBERED_FILENAME = re.compile(r"^(\d+)_")


def source_slug(filename: str) -> str:
    """The URL slug of the source file ``filename``; a pure function of the name.

    A numbered vendored file gives its number ("003"); any other name its
    stem in pinyin, slugified ("synthetic-seed-7"), or, if nothing of it is
    left, a digest of the name. Deterministic, so every database and every
    reload give the same case-report URLs. Migration 0005 keeps a frozen copy
    of this rule for the rows that existed before it.
    """
    numbered = _NUMBERED_FILENAME.match(filename)
    if numbered:
        return numbered.group(1)
    # Imported here: pypinyin's tables cost every web worker 56 MiB, and only writes make slugs.
    from pypinyin import lazy_pinyin

    slug = slugify("-".join(lazy_pinyin(PurePosixPath(filename).stem)))[:SLUG_MAX_LENGTH].strip("-_")
    return slug or "source-" + hashlib.sha256(filename.encode("utf-8")).hexdigest()[:12]


class SourceDocumentManager(NaturalKeyManager):
    natural_key_fields = ("filename",)


class SourceDocument(Curated):
    """A vendored source file and its bibliographic description.

    The file (``raw_text``, ``sha256``) is the truth and is always reloaded; the
    description (title, publisher, date, …) comes from the manifests and is
    curated by staff, so the loader protects it like any curated record
    (``load_fingerprint``).
    """

    class Kind(models.TextChoices):
        PRACTICE_LIST = "practice_list", _("典型做法清单")
        NEWSPAPER = "newspaper", _("报纸版面")
        REPORT = "report", _("工作报告")

    filename = models.CharField(_("文件名"), max_length=100, unique=True)
    # Derived from ``filename`` (source_slug), never edited: it addresses the
    # case reports' public pages, /case-reports/<slug>/<position>/.
    slug = models.SlugField(
        _("网址代号"), max_length=SLUG_MAX_LENGTH, unique=True, editable=False,
        help_text=_("由文件名生成，用于案例报道的网址。"),
    )
    title = models.CharField(
        _("标题"), max_length=200, blank=True,
        help_text=_("文件自身印出的标题；原文没有印出标题的，写编目者拟定的标题并加方括号，如“[报纸版面：……]”。"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    publisher = models.CharField(_("发布者"), max_length=100, blank=True)
    # The source's own date (of the newspaper issue or the report), never the load time:
    # loaded records take it as their published_at. Empty when the source prints none.
    date = models.DateField(_("日期"), null=True, blank=True, help_text=_("来源自身的发布日期；原文未印出则留空。"))
    date_note = models.CharField(
        _("日期说明"), max_length=200, blank=True,
        help_text=_("日期未印出或不完整时，说明原文可见的时间线索。"),
    )
    issue = models.CharField(_("期次或版面"), max_length=100, blank=True, help_text=_("报纸的期次、版次或栏目。"))
    url = models.URLField(_("原始网址"), max_length=500, blank=True, help_text=_("来源的公开网址（已知时）。"))
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
            models.CheckConstraint(condition=Q(slug__regex=r"^[-a-z0-9_]+$"), name="source_slug_format"),
        ]

    def __str__(self) -> str:
        return self.title or self.filename

    @property
    def title_supplied(self) -> bool:
        """True when the title is the cataloguer's (in square brackets), not printed on the source."""
        return self.title.startswith("[") and self.title.endswith("]")

    def save(self, *args, **kwargs) -> None:
        # Every way a source is created (loader, synthetic generator, admin,
        # tests) gets the same derived slug.
        if not self.slug:
            self.slug = source_slug(self.filename)
        super().save(*args, **kwargs)

    def natural_key(self) -> tuple:
        return (self.filename,)
