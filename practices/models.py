"""The catalogue's data model: the contract later work and external checks rely on.

Messages are written in Chinese (the default language) and translated to
English through ``locale/en``. Every model has a natural key so that fixtures,
imports and exports never depend on auto-increment ids.

Two bookkeeping fields recur:

* ``version`` counts saves; the admin refuses a save whose form carried an
  older version (optimistic locking, no lost updates).
* ``load_fingerprint`` is the SHA-256 of the values the loader last wrote.
  When the current values no longer match it, staff have edited the record
  and a re-load leaves it alone (unless told ``--overwrite``).
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .querysets import (
    CaseReportManager,
    MetricManager,
    NaturalKeyManager,
    PracticeManager,
)

# Full-text search (practices/search.py keeps these current; never edit them by hand).
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


class CategoryManager(NaturalKeyManager):
    natural_key_fields = ("number",)


class Category(Curated):
    number = models.PositiveSmallIntegerField(_("编号"), unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    slug = models.SlugField(_("短名"), max_length=100, unique=True)

    objects = CategoryManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("政策类别")
        verbose_name_plural = _("政策类别")
        # Staff roles (编辑/审核) and django-import-export's permission codes.
        permissions = [
            ("import_category", _("可以导入政策类别")),
            ("export_category", _("可以导出政策类别")),
        ]
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1) & Q(number__lte=7), name="category_number_1_to_7"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("practices:category-detail", kwargs={"slug": self.slug})

    def natural_key(self) -> tuple:
        return (self.number,)


class ProvinceManager(NaturalKeyManager):
    natural_key_fields = ("name",)


class Province(Curated):
    name = models.CharField(_("名称"), max_length=20, unique=True)
    slug = models.SlugField(_("短名"), max_length=40, unique=True)
    pinyin = models.CharField(_("拼音"), max_length=40, blank=True)
    adcode = models.CharField(_("行政区划代码"), max_length=6, blank=True)

    objects = ProvinceManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("省份")
        verbose_name_plural = _("省份")
        # Staff roles (编辑/审核) and django-import-export's permission codes.
        permissions = [
            ("import_province", _("可以导入省份")),
            ("export_province", _("可以导出省份")),
        ]
        ordering = ["adcode", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("practices:province-detail", kwargs={"slug": self.slug})

    def natural_key(self) -> tuple:
        return (self.name,)


class CityManager(NaturalKeyManager):
    natural_key_fields = ("name", "province__name")


class City(Curated):
    class Level(models.TextChoices):
        PREFECTURE = "prefecture", _("地级市")
        COUNTY = "county", _("县级市")

    name = models.CharField(_("名称"), max_length=30)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="cities", verbose_name=_("省份")
    )
    slug = models.SlugField(_("短名"), max_length=60, unique=True)
    pinyin = models.CharField(_("拼音"), max_length=60, blank=True)
    adcode = models.CharField(_("行政区划代码"), max_length=6, blank=True)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices, default=Level.PREFECTURE)

    objects = CityManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("城市")
        verbose_name_plural = _("城市")
        # Staff roles (编辑/审核) and django-import-export's permission codes.
        permissions = [
            ("import_city", _("可以导入城市")),
            ("export_city", _("可以导出城市")),
        ]
        ordering = ["province__adcode", "adcode", "name"]
        constraints = [
            models.UniqueConstraint(fields=["province", "name"], name="city_unique_name_in_province"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("practices:city-detail", kwargs={"slug": self.slug})

    def natural_key(self) -> tuple:
        return (self.name, self.province.name)

    natural_key.dependencies = ["practices.province"]


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
                condition=Q(status__in=["draft", "published"]), name="practice_status_valid"
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
            models.Index(fields=["number", "id"], condition=Q(status="published"), name="practice_published_number"),
            models.Index(fields=["category", "number", "id"], condition=Q(status="published"),
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
                condition=Q(status__in=["draft", "published"]), name="case_report_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("practices:case-report-detail", kwargs={"pk": self.pk})

    def natural_key(self) -> tuple:
        return (self.source.filename, self.position)

    natural_key.dependencies = ["practices.sourcedocument"]


class RelatedPracticeManager(NaturalKeyManager):
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


class Metric(Curated):
    class Kind(models.TextChoices):
        MONEY = "money", _("金额")
        COUNT = "count", _("数量")
        PERCENT = "percent", _("比率")
        DURATION = "duration", _("时长")
        AREA = "area", _("面积")
        MULTIPLE = "multiple", _("倍数")

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


class CatalogueAggregateManager(NaturalKeyManager):
    natural_key_fields = ("token", "name", "digest")


class CatalogueRevisionManager(NaturalKeyManager):
    natural_key_fields = ("key",)


class CatalogueRevision(models.Model):
    """One row whose token changes whenever the public catalogue changes.

    Cached aggregates (facet counts, home-page totals) are stored under keys
    that carry the token (practices/catalogue_cache.py), so a change makes
    every cached figure unreachable at once, across processes, in the same
    transaction as the change: readers never see figures newer or older
    than the rows they read, and a long load never blocks them (they keep
    reading the old token until it commits).
    """

    key = models.PositiveSmallIntegerField(_("键"), primary_key=True, default=1)
    token = models.CharField(_("版本标记"), max_length=32)
    changed = models.DateTimeField(_("更改时间"), auto_now=True)

    objects = CatalogueRevisionManager()

    class Meta:
        verbose_name = _("目录版本")
        verbose_name_plural = _("目录版本")
        default_permissions = ()
        constraints = [models.CheckConstraint(condition=Q(key=1), name="catalogue_revision_single_row")]

    def __str__(self) -> str:
        return self.token

    def natural_key(self) -> tuple:
        return (self.key,)


class CatalogueAggregate(models.Model):
    """A cached aggregate (facet counts, totals) computed at one catalogue revision.

    Read with a join on the current token, so a hit is one query; rows of
    older tokens are unreachable and deleted when the token is replaced.
    """

    token = models.CharField(_("版本标记"), max_length=32)
    name = models.CharField(_("名称"), max_length=40)
    digest = models.CharField(_("参数摘要"), max_length=40)
    value = models.JSONField(_("值"))
    created = models.DateTimeField(_("计算时间"), auto_now_add=True)

    objects = CatalogueAggregateManager()

    class Meta:
        verbose_name = _("缓存的统计")
        verbose_name_plural = _("缓存的统计")
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["token", "name", "digest"], name="aggregate_unique_key")]

    def __str__(self) -> str:
        return f"{self.name}:{self.digest}"

    def natural_key(self) -> tuple:
        return (self.token, self.name, self.digest)


# SQLite's full-text index: one FTS5 table per searchable model (see practices/search.py).
# Unmanaged: migration 0003 creates the tables on SQLite with FTS5 only; on PostgreSQL
# they do not exist and are never queried (the search uses search_vector there).
# ``rowid`` is the record's id; ``match`` is FTS5's hidden column named after the
# table (the left side of MATCH, the argument of bm25()). practices/search.py writes
# the rows; these models only let the search join them.


class SearchRowManager(models.Manager):
    def get_by_natural_key(self, *key):
        owner = self.model._meta.get_field("owner").related_model
        return self.get(owner=owner._default_manager.get_by_natural_key(*key))


class SearchRow(models.Model):
    title = models.TextField(_("检索标题"), editable=False)
    document = models.TextField(_("检索文本"), editable=False)

    objects = SearchRowManager()

    class Meta:
        abstract = True
        managed = False
        default_permissions = ()

    def __str__(self) -> str:
        return str(self.owner)

    def natural_key(self) -> tuple:
        return self.owner.natural_key()


class PracticeSearchRow(SearchRow):
    owner = models.OneToOneField(
        Practice, on_delete=models.DO_NOTHING, primary_key=True, db_column="rowid", db_constraint=False,
        related_name="search_row", verbose_name=_("典型做法"),
    )
    match = models.TextField(db_column="practices_practice_fts", editable=False)

    class Meta(SearchRow.Meta):
        managed = False
        db_table = "practices_practice_fts"
        verbose_name = _("典型做法检索行")
        verbose_name_plural = _("典型做法检索行")


class CaseReportSearchRow(SearchRow):
    owner = models.OneToOneField(
        CaseReport, on_delete=models.DO_NOTHING, primary_key=True, db_column="rowid", db_constraint=False,
        related_name="search_row", verbose_name=_("案例报道"),
    )
    match = models.TextField(db_column="practices_casereport_fts", editable=False)

    class Meta(SearchRow.Meta):
        managed = False
        db_table = "practices_casereport_fts"
        verbose_name = _("案例报道检索行")
        verbose_name_plural = _("案例报道检索行")
