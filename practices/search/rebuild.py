"""Writing the index: ``search_index_rebuild()`` after bulk writes, ``search_index_update()`` for one record."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import connections, models, router
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from .. import catalogue_cache
from ..models import Practice
from .documents import _INDEXES, CASE_REPORTS, PRACTICES, _backend, _Index, _vector, record_documents
from .pending import _pending_clear

DEFAULT_BATCH_SIZE = 500


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


def _write(index: _Index, ids: list[int], *, alias: str) -> dict[int, tuple[str, str]]:
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
    backend = _backend(alias)
    if backend == "postgresql" and texts:
        manager.filter(pk__in=list(texts)).update(search_vector=_vector())
    elif backend == "fts5" and texts:
        _fts5_replace(index, list(texts), alias=alias)
    return changed


def _fts5_replace(index: _Index, ids: list[int], *, alias: str) -> None:
    table, source = index.fts_table, index.model._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    with connections[alias].cursor() as cursor:
        cursor.execute(f'DELETE FROM "{table}" WHERE rowid IN ({marks})', ids)
        cursor.execute(
            f'INSERT INTO "{table}" (rowid, title, document) '
            f'SELECT id, search_title, search_document FROM "{source}" WHERE id IN ({marks})', ids,
        )


def _fts5_forget(index: _Index, ids: list[int], *, alias: str) -> None:
    if ids and _backend(alias) == "fts5":
        marks = ", ".join(["%s"] * len(ids))
        with connections[alias].cursor() as cursor:
            cursor.execute(f'DELETE FROM "{index.fts_table}" WHERE rowid IN ({marks})', ids)


def _fts5_drop_orphans(index: _Index, *, alias: str) -> None:
    """Remove FTS5 rows whose record is gone (raw deletes and flushes send no signal)."""
    with connections[alias].cursor() as cursor:
        cursor.execute(f'DELETE FROM "{index.fts_table}" WHERE rowid NOT IN '
                       f'(SELECT id FROM "{index.model._meta.db_table}")')


def _missing(index: _Index, alias: str) -> list[int]:
    """Ids of records not indexed at all (written by loaddata, bulk_create, a fresh migration)."""
    queryset = index.model._default_manager.db_manager(alias).all()
    condition = Q(search_document="")
    backend = _backend(alias)
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
    report = RebuildReport(backend=_backend(alias))
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


def _write_one(index: _Index, pk: int, *, alias: str, instance: models.Model | None = None) -> None:
    changed = _write(index, [pk], alias=alias)
    if instance is not None and pk in changed:
        # Keep the saved instance in step, so that saving it again writes the current words.
        instance.search_title, instance.search_document = changed[pk]
