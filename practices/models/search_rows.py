"""SQLite's FTS5 search tables as unmanaged models, so that the search can join them."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .practices import Practice
from .reports import CaseReport

# SQLite's full-text index: one FTS5 table per searchable model (see practices/search/).
# Unmanaged: migration 0003 creates the tables on SQLite with FTS5 only; on PostgreSQL
# they do not exist and are never queried (the search uses search_vector there).
# ``rowid`` is the record's id; ``match`` is FTS5's hidden column named after the
# table (the left side of MATCH, the argument of bm25()). practices/search/ writes
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
