"""Writing the search index: what is indexed, which engine serves a database, and keeping it current.

Everything that writes the index lives here, because the parts share private
state (the records an open ``search_index_deferred()`` block has put off) and
private steps (rewriting or forgetting one record's FTS5 row): the per-save
signal handlers, ``search_index_deferred()``, ``search_index_update()`` and
``search_index_rebuild()``. The queries (``query.py``) only read what this
module defines publicly: ``SearchIndex``, ``PRACTICES``, ``CASE_REPORTS``,
``CONFIG`` and ``search_backend()``.
"""
from __future__ import annotations

import contextvars
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache

from django.contrib.postgres.search import SearchVector
from django.db import connections, models, router
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_delete, post_save

from .. import catalogue_cache
from ..importer.search_text import search_document
from ..models import CaseReport, Practice, PracticeEntry

CONFIG = "simple"
TITLE_WEIGHT, DOCUMENT_WEIGHT = "A", "D"
DEFAULT_BATCH_SIZE = 500


# -- what is indexed ---------------------------------------------------------------

@dataclass(frozen=True)
class SearchIndex:
    """How one model is indexed: its FTS5 table and how to read its texts in batches."""

    model: type[models.Model]
    fts_table: str
    tiebreak: tuple[str, ...]
    # (ids, database alias) -> {id: (title text, full text)}
    texts: Callable[[list[int], str], dict[int, tuple[str, str]]]


def _practice_texts(ids: list[int], alias: str) -> dict[int, tuple[str, str]]:
    names = dict(Practice.objects.using(alias).filter(pk__in=ids).values_list("pk", "name"))
    paragraphs: dict[int, list[str]] = {pk: [] for pk in names}
    rows = PracticeEntry.objects.using(alias).filter(practice_id__in=ids).order_by("practice_id", "position")
    for practice_id, text in rows.values_list("practice_id", "text"):
        paragraphs[practice_id].append(text)
    return {pk: (name, "\n".join([name, *paragraphs[pk]])) for pk, name in names.items()}


def _case_report_texts(ids: list[int], alias: str) -> dict[int, tuple[str, str]]:
    rows = CaseReport.objects.using(alias).filter(pk__in=ids).values_list("pk", "title", "subtitle", "body")
    return {pk: (title, "\n".join([title, subtitle, body])) for pk, title, subtitle, body in rows}


PRACTICES = SearchIndex(Practice, "practices_practice_fts", ("number",), _practice_texts)
CASE_REPORTS = SearchIndex(CaseReport, "practices_casereport_fts", ("source__filename", "position"),
                           _case_report_texts)
_INDEXES = {Practice: PRACTICES, CaseReport: CASE_REPORTS}


def record_documents(title: str, text: str) -> tuple[str, str]:
    """(search_title, search_document) for a record's title and full text."""
    return search_document(title), search_document(text)


@cache
def sqlite_has_fts5() -> bool:
    """Whether this process's SQLite library has FTS5 (migration 0003 asks the same)."""
    try:
        sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE probe USING fts5(a)")
    except sqlite3.OperationalError:
        return False
    return True


def search_backend(alias: str) -> str:
    """The engine serving database ``alias``: "postgresql", "fts5" or "fallback" (a scan, no index)."""
    vendor = connections[alias].vendor
    if vendor == "postgresql":
        return "postgresql"
    if vendor == "sqlite" and sqlite_has_fts5():
        return "fts5"
    return "fallback"


def _vector():
    return (SearchVector("search_title", config=CONFIG, weight=TITLE_WEIGHT)
            + SearchVector("search_document", config=CONFIG, weight=DOCUMENT_WEIGHT))


# -- updates put off by search_index_deferred() ----------------------------------------

@dataclass
class _Pending:
    practices: set[int] = field(default_factory=set)
    case_reports: set[int] = field(default_factory=set)
    alias: str | None = None


_deferred: contextvars.ContextVar[_Pending | None] = contextvars.ContextVar("search_index_deferred", default=None)


def _pending_clear(*, practices, case_reports, everything: bool) -> None:
    pending = _deferred.get()
    if pending is None:
        return
    if everything:
        pending.practices.clear()
        pending.case_reports.clear()
        return
    pending.practices.difference_update(practices)
    pending.case_reports.difference_update(case_reports)


@contextmanager
def search_index_deferred(*, using: str | None = None):
    """Within the block, saves only note which records changed; at its end they are updated at once.

    Nested blocks join the outermost. If the block raises, nothing is updated
    (the caller's transaction is being rolled back anyway). A full
    ``search_index_rebuild()`` inside the block makes the final update
    unnecessary and it is skipped.
    """
    if _deferred.get() is not None:
        yield
        return
    pending = _Pending(alias=using)
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    if pending.practices or pending.case_reports:
        search_index_rebuild(practices=sorted(pending.practices), case_reports=sorted(pending.case_reports),
                             using=pending.alias)


def _touched(model: type[models.Model], pk: int, using: str, instance: models.Model | None = None) -> None:
    pending = _deferred.get()
    if pending is not None:
        (pending.practices if model is Practice else pending.case_reports).add(pk)
        pending.alias = pending.alias or using
        return
    _write_one(_INDEXES[model], pk, alias=using, instance=instance)


# -- writing the index -------------------------------------------------------------

@dataclass
class RebuildReport:
    """What a rebuild did, per model: records read and records whose words changed."""

    seen: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    backend: str = ""

    def __str__(self) -> str:
        parts = [f"{label} {self.seen[label]}（{self.changed.get(label, 0)} 条有变化）" for label in self.seen]
        return f"{self.backend}: " + "，".join(parts) if parts else f"{self.backend}: 无记录"


def _ids(records) -> list[int]:
    if records is None:
        return []
    if isinstance(records, QuerySet):
        return list(records.order_by().values_list("pk", flat=True))
    return [getattr(r, "pk", r) for r in records]


def _batches(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _write(index: SearchIndex, ids: list[int], *, alias: str) -> dict[int, tuple[str, str]]:
    """Recompute the words of records ``ids`` and rewrite their index entries.

    Words are written only where they changed; the vectors / FTS5 rows of all
    ``ids`` are rewritten from the stored words, because a save() of an
    instance read earlier writes back its stale search columns (the signal
    then finds the words "unchanged" while the index may hold others).
    Returns {id: (search_title, search_document)} of the records whose words changed.
    """
    model = index.model
    manager = model._default_manager.db_manager(alias)
    texts = index.texts(ids, alias)
    current = {pk: (title, doc) for pk, title, doc in
               manager.filter(pk__in=ids).values_list("pk", "search_title", "search_document")}
    changed = {}
    for pk, (title, text) in texts.items():
        words = record_documents(title, text)
        if current.get(pk) != words:
            changed[pk] = words
    if changed:
        manager.bulk_update(
            [model(pk=pk, search_title=title, search_document=doc) for pk, (title, doc) in changed.items()],
            ["search_title", "search_document"],
        )
    backend = search_backend(alias)
    if backend == "postgresql" and texts:
        manager.filter(pk__in=list(texts)).update(search_vector=_vector())
    elif backend == "fts5" and texts:
        _fts5_replace(index, list(texts), alias=alias)
    return changed


def _write_one(index: SearchIndex, pk: int, *, alias: str, instance: models.Model | None = None) -> None:
    changed = _write(index, [pk], alias=alias)
    if instance is not None and pk in changed:
        # Keep the saved instance in step, so that saving it again writes the current words.
        instance.search_title, instance.search_document = changed[pk]


def _fts5_replace(index: SearchIndex, ids: list[int], *, alias: str) -> None:
    table, source = index.fts_table, index.model._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    with connections[alias].cursor() as cursor:
        cursor.execute(f'DELETE FROM "{table}" WHERE rowid IN ({marks})', ids)
        cursor.execute(
            f'INSERT INTO "{table}" (rowid, title, document) '
            f'SELECT id, search_title, search_document FROM "{source}" WHERE id IN ({marks})', ids,
        )


def _fts5_forget(index: SearchIndex, ids: list[int], *, alias: str) -> None:
    if ids and search_backend(alias) == "fts5":
        marks = ", ".join(["%s"] * len(ids))
        with connections[alias].cursor() as cursor:
            cursor.execute(f'DELETE FROM "{index.fts_table}" WHERE rowid IN ({marks})', ids)


def _fts5_drop_orphans(index: SearchIndex, *, alias: str) -> None:
    """Remove FTS5 rows whose record is gone (raw deletes and flushes send no signal)."""
    with connections[alias].cursor() as cursor:
        cursor.execute(f'DELETE FROM "{index.fts_table}" WHERE rowid NOT IN '
                       f'(SELECT id FROM "{index.model._meta.db_table}")')


def _missing(index: SearchIndex, alias: str) -> list[int]:
    """Ids of records not indexed at all (written by loaddata, bulk_create, a fresh migration)."""
    queryset = index.model._default_manager.db_manager(alias).all()
    condition = Q(search_document="")
    backend = search_backend(alias)
    if backend == "postgresql":
        condition |= Q(search_vector__isnull=True)
    elif backend == "fts5":
        condition |= ~Q(pk__in=RawSQL(f'SELECT rowid FROM "{index.fts_table}"', []))
    return list(queryset.filter(condition).values_list("pk", flat=True))


def search_index_rebuild(*, practices=None, case_reports=None, missing_only: bool = False,
                         batch_size: int = DEFAULT_BATCH_SIZE, using: str | None = None,
                         progress: Callable[[str, int, int], None] | None = None) -> RebuildReport:
    """Bring the search words of records up to date; call it after any bulk write.

    With neither argument: every practice and case report, and the FTS5
    tables are purged of records deleted without a signal. With
    ``practices`` and/or ``case_reports`` (QuerySets, instances or ids): just
    those records (an argument left None then means none of that kind).
    ``missing_only`` (without a selection): just the records not indexed at
    all, which is cheap when there are none.

    Runs in the caller's transaction, in batches of ``batch_size`` records
    (one read of the texts, one bulk update of the words that changed, one
    rewrite of the batch's vectors or FTS5 rows). ``progress(label, done,
    total)`` is called after each batch. Returns a RebuildReport (str() gives
    a one-line account).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be a positive integer")
    if missing_only and not (practices is None and case_reports is None):
        raise ValueError("missing_only takes no selection of records")
    alias = using or router.db_for_write(Practice)
    if missing_only:
        practices, case_reports = _missing(PRACTICES, alias), _missing(CASE_REPORTS, alias)
    everything = practices is None and case_reports is None
    report = RebuildReport(backend=search_backend(alias))
    for index, records in ((PRACTICES, practices), (CASE_REPORTS, case_reports)):
        manager = index.model._default_manager.db_manager(alias)
        ids = sorted(manager.values_list("pk", flat=True)) if everything else sorted(set(_ids(records)))
        label = str(index.model._meta.verbose_name)
        report.seen[label] = len(ids)
        report.changed[label] = 0
        if everything and report.backend == "fts5":
            _fts5_drop_orphans(index, alias=alias)
        done = 0
        for batch in _batches(ids, batch_size):
            report.changed[label] += len(_write(index, batch, alias=alias))
            done += len(batch)
            if progress is not None:
                progress(label, done, len(ids))
        if not everything:
            # Records asked for that no longer exist.
            missing = set(ids) - set(manager.filter(pk__in=ids).values_list("pk", flat=True))
            _fts5_forget(index, sorted(missing), alias=alias)
    _pending_clear(practices=None if everything else _ids(practices),
                   case_reports=None if everything else _ids(case_reports), everything=everything)
    if any(report.seen.values()):
        # Search results (and the facet counts cached for them) follow the index.
        catalogue_cache.catalogue_touched(using=alias)
    return report


def search_index_update(instance: models.Model, *, using: str | None = None) -> None:
    """Update the search words of one Practice or CaseReport now (what the signals call)."""
    index = _INDEXES[type(instance)._meta.concrete_model]
    alias = using or instance._state.db or router.db_for_write(index.model)
    _write_one(index, instance.pk, alias=alias, instance=instance)


# -- the per-save updates ------------------------------------------------------------

# Fields whose change alters a record's words; a save limited to other fields is free.
_TEXT_FIELDS = {Practice: {"name"}, PracticeEntry: {"text", "position", "practice"},
                CaseReport: {"title", "subtitle", "body"}}


def _affects_text(sender, update_fields) -> bool:
    return update_fields is None or bool(_TEXT_FIELDS[sender] & set(update_fields))


def _on_practice_saved(sender, instance, raw=False, using="default", update_fields=None, **kwargs):
    if not raw and _affects_text(sender, update_fields):
        _touched(Practice, instance.pk, using, instance)


def _on_entry_saved(sender, instance, raw=False, using="default", update_fields=None, **kwargs):
    if not raw and _affects_text(sender, update_fields):
        _touched(Practice, instance.practice_id, using)


def _on_entry_deleted(sender, instance, using="default", origin=None, **kwargs):
    # Entries deleted along with their practice: the practice's own deletion clears its row.
    if isinstance(origin, Practice) or (isinstance(origin, QuerySet) and origin.model is Practice):
        return
    _touched(Practice, instance.practice_id, using)


def _on_case_report_saved(sender, instance, raw=False, using="default", update_fields=None, **kwargs):
    if not raw and _affects_text(sender, update_fields):
        _touched(CaseReport, instance.pk, using, instance)


def _on_record_deleted(sender, instance, using="default", **kwargs):
    _fts5_forget(_INDEXES[sender], [instance.pk], alias=using)


def connect_signals() -> None:
    """Connect the per-save updates (PracticesConfig.ready calls this once)."""
    post_save.connect(_on_practice_saved, sender=Practice, dispatch_uid="search_practice_saved")
    post_save.connect(_on_entry_saved, sender=PracticeEntry, dispatch_uid="search_entry_saved")
    post_delete.connect(_on_entry_deleted, sender=PracticeEntry, dispatch_uid="search_entry_deleted")
    post_save.connect(_on_case_report_saved, sender=CaseReport, dispatch_uid="search_case_report_saved")
    post_delete.connect(_on_record_deleted, sender=Practice, dispatch_uid="search_practice_deleted")
    post_delete.connect(_on_record_deleted, sender=CaseReport, dispatch_uid="search_case_report_deleted")
