"""What every model shares: publication status, curation bookkeeping, the search columns."""
from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

# Full-text search (practices/search/ keeps these current; never edit them by hand).
# ``search_title`` and ``search_document`` hold jieba-segmented, space-separated
# words (practices/importer/search_text.py); ``search_vector`` is their
# PostgreSQL tsvector ('simple' configuration, title weighted A, document D),
# served by a GIN index that migration 0003 creates on PostgreSQL only (a
# GinIndex in Meta.indexes would break SQLite's table rebuilds). On SQLite the
# words live in an FTS5 table instead and search_vector stays NULL. Derived
# data: not serialized (fixtures, dumpdata) and not kept in history;
# ``manage.py rebuild_search_index`` recomputes them after loaddata or update().
SEARCH_FIELDS = ("search_title", "search_document", "search_vector")


def search_title_field():
    return models.TextField(_("检索标题"), blank=True, default="", editable=False, serialize=False,
                            help_text=_("名称或标题的分词结果（空格分隔），由检索索引维护。"))


def search_document_field():
    return models.TextField(_("检索文本"), blank=True, default="", editable=False, serialize=False,
                            help_text=_("全文的分词结果（空格分隔），由检索索引维护。"))


def search_vector_field():
    return SearchVectorField(_("检索向量"), null=True, blank=True, editable=False, serialize=False)


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class Curated(models.Model):
    """Fields shared by records that the loader writes and staff curate."""

    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    load_fingerprint = models.CharField(
        _("载入指纹"), max_length=64, blank=True, editable=False,
        help_text=_("载入程序最后写入的值的 SHA-256；与当前值不符说明已被工作人员编辑。"),
    )

    class Meta:
        abstract = True
