"""Indexed Chinese full-text search of practices and case reports.

Words, not substrings: every record keeps its text segmented by jieba
(``practices/importer/search_text.py``) in ``search_title`` (the name or
title) and ``search_document`` (everything, title included), and a query
finds the records holding every one of its words, segmented the same way.

* PostgreSQL: ``search_vector`` = setweight(to_tsvector('simple', title), 'A')
  || setweight(to_tsvector('simple', document), 'D'), with a GIN index
  (migration 0003); the query is ``search_vector @@ plainto_tsquery('simple',
  …)``, which the GIN index serves. 'simple' does no stemming and has no stop
  words: the words are already what we want to match.
* SQLite: an FTS5 table per model (``practices_practice_fts``, rowid = id,
  columns title and document, unicode61 tokenizer over the spaces), joined
  through the unmanaged ``PracticeSearchRow`` / ``CaseReportSearchRow``
  models, queried with MATCH and ranked with ``bm25`` (title weighted 10,
  document 1) in the same single pass.
* Fallback (an SQLite built without FTS5, or any other database): every word
  is looked for in ``" " || search_document || " "`` (a scan, no index).

``search_rank`` is the same shape everywhere: 1 when the title holds every
word of the query, plus the engine's relevance (ts_rank, or -bm25) squashed
into [0, 1) by x / (1 + x). So a name match always ranks above a text-only
match, and within each group the engine decides (the fallback has no
relevance: 1 or 0).

Each search returns the given QuerySet filtered and annotated with
``search_rank`` (a float, higher is better), ordered by it: it can be filtered
further, counted and paginated, and used as a subquery.

Keeping the index current:

* ``save()`` of a Practice, PracticeEntry or CaseReport and the deletion of an
  entry update just that record (post_save/post_delete signals, connected in
  ``PracticesConfig.ready``); a save whose ``update_fields`` leaves the text
  alone costs nothing.
* Bulk writes bypass save(): ``bulk_create``, ``update()``, ``loaddata`` (raw
  saves are ignored) and raw deletes. They must call
  ``search_index_rebuild()`` (or ``manage.py rebuild_search_index``)
  afterwards; ``load_bundle`` does so inside its transaction.
* ``search_index_deferred()`` turns the per-save updates off for a block and
  updates the touched records once at its end (the loader uses it).
"""
from __future__ import annotations

import contextvars
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections, models, router
from django.db.models import Case, F, FloatField, Func, Lookup, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import catalogue_cache
from .importer.search_text import fts5_query, highlight_spans, query_terms, search_document
from .models import CaseReport, CaseReportSearchRow, Practice, PracticeEntry, PracticeSearchRow

__all__ = [
    "RebuildReport", "case_report_matching", "case_report_search", "highlight", "practice_matching",
    "practice_search", "query_terms", "search_excerpt",
    "search_explain", "search_index_deferred", "search_index_rebuild", "search_index_update",
]

CONFIG = "simple"
TITLE_WEIGHT, DOCUMENT_WEIGHT = "A", "D"
# bm25 column weights (title, document): a word in the name counts ten times.
FTS5_WEIGHTS = (10.0, 1.0)
DEFAULT_BATCH_SIZE = 500
# PostgreSQL ranks at most this many matches of a search (see _search).
RANKED_CANDIDATES = 500


# --------------------------------------------------------------------------- what is indexed

@dataclass(frozen=True)
class _Index:
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


PRACTICES = _Index(Practice, "practices_practice_fts", ("number",), _practice_texts)
CASE_REPORTS = _Index(CaseReport, "practices_casereport_fts", ("source__filename", "position"),
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


def _backend(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor == "postgresql":
        return "postgresql"
    if vendor == "sqlite" and sqlite_has_fts5():
        return "fts5"
    return "fallback"


def _vector():
    return (SearchVector("search_title", config=CONFIG, weight=TITLE_WEIGHT)
            + SearchVector("search_document", config=CONFIG, weight=DOCUMENT_WEIGHT))


# --------------------------------------------------------------------------- writing the index

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


# --------------------------------------------------------------------------- deferring per-save updates

@dataclass
class _Pending:
    practices: set[int] = field(default_factory=set)
    case_reports: set[int] = field(default_factory=set)
    alias: str | None = None


_deferred: contextvars.ContextVar[_Pending | None] = contextvars.ContextVar("search_index_deferred", default=None)


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


def _touched(model: type[models.Model], pk: int, using: str, instance: models.Model | None = None) -> None:
    pending = _deferred.get()
    if pending is not None:
        (pending.practices if model is Practice else pending.case_reports).add(pk)
        pending.alias = pending.alias or using
        return
    _write_one(_INDEXES[model], pk, alias=using, instance=instance)


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
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_on_practice_saved, sender=Practice, dispatch_uid="search_practice_saved")
    post_save.connect(_on_entry_saved, sender=PracticeEntry, dispatch_uid="search_entry_saved")
    post_delete.connect(_on_entry_deleted, sender=PracticeEntry, dispatch_uid="search_entry_deleted")
    post_save.connect(_on_case_report_saved, sender=CaseReport, dispatch_uid="search_case_report_saved")
    post_delete.connect(_on_record_deleted, sender=Practice, dispatch_uid="search_practice_deleted")
    post_delete.connect(_on_record_deleted, sender=CaseReport, dispatch_uid="search_case_report_deleted")


# --------------------------------------------------------------------------- querying

class _Match(Lookup):
    """``<FTS5 table column> MATCH <query>``: registered on the ``match`` fields of the search-row models."""

    lookup_name = "fts5_match"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


for _row_model in (PracticeSearchRow, CaseReportSearchRow):
    _row_model._meta.get_field("match").register_lookup(_Match)


def _all_words_in_title(terms: list[str]) -> Q:
    """Every term is a word of search_title (padded with spaces: whole words only)."""
    return Q(*(Q(_search_title_words__contains=f" {t} ") for t in terms))


def _squash(rank):
    """x / (1 + x): order-preserving, into [0, 1)."""
    return rank / (Value(1.0) + rank)


def _search(queryset: QuerySet, index: _Index, q: str) -> QuerySet:
    terms = query_terms(q)
    if not terms:
        # Still annotated, so that callers may order by search_rank whatever q was.
        return queryset.annotate(search_rank=Value(0.0, output_field=FloatField())).none()
    backend = _backend(queryset.db)
    if backend == "postgresql":
        query = SearchQuery(" ".join(terms), config=CONFIG, search_type="plain")
        matched = queryset.filter(search_vector=query)
        # Title matches from their own GIN index (migration 0004) rather than a
        # weight-restricted query, which must re-read every matching vector.
        table = index.model._meta.db_table
        in_title = Q(pk__in=RawSQL(
            f'SELECT id FROM "{table}" WHERE to_tsvector(%s::regconfig, search_title) @@ '
            "plainto_tsquery(%s::regconfig, %s)", [CONFIG, CONFIG, " ".join(terms)],
        ))
        title_hit = Case(When(in_title, then=Value(1.0)), default=Value(0.0), output_field=FloatField())
        # ts_rank reads each record's whole vector: only the first RANKED_CANDIDATES
        # matches in the list's order (an index walk that stops early) are ranked, so
        # a common word costs about what a rare one does. Within title matches and
        # within text-only matches, the ranked ones come first, the rest by number.
        candidates = matched.order_by(*index.tiebreak).values("pk")[:RANKED_CANDIDATES]
        rank = title_hit + Case(
            When(pk__in=candidates, then=_squash(SearchRank(F("search_vector"), query))),
            default=Value(0.0), output_field=FloatField(),
        )
        queryset = matched.annotate(search_rank=rank)
    elif backend == "fts5":
        # One pass over the FTS5 table, joined on rowid = id: bm25() is computed
        # for the matching rows of this query only (a correlated subquery would
        # recount each word's documents for every row).
        score = Value(-1.0) * Func(F("search_row__match"), Value(FTS5_WEIGHTS[0]), Value(FTS5_WEIGHTS[1]),
                                   function="bm25", output_field=FloatField())
        queryset = queryset.filter(search_row__match__fts5_match=fts5_query(terms)).alias(
            _search_title_words=Concat(Value(" "), F("search_title"), Value(" "), output_field=models.TextField()),
        ).annotate(search_rank=Case(
            When(_all_words_in_title(terms), then=Value(1.0)), default=Value(0.0), output_field=FloatField(),
        ) + _squash(score))
    else:
        padded = Concat(Value(" "), F("search_document"), Value(" "), output_field=models.TextField())
        titled = Concat(Value(" "), F("search_title"), Value(" "), output_field=models.TextField())
        queryset = queryset.alias(_search_words=padded, _search_title_words=titled)
        for term in terms:
            queryset = queryset.filter(_search_words__contains=f" {term} ")
        queryset = queryset.annotate(search_rank=Case(
            When(_all_words_in_title(terms), then=Value(1.0)), default=Value(0.0), output_field=FloatField(),
        ))
    return queryset.order_by("-search_rank", *index.tiebreak)


def _matching(queryset: QuerySet, index: _Index, q: str) -> QuerySet:
    terms = query_terms(q)
    if not terms:
        return queryset.none()
    backend = _backend(queryset.db)
    if backend == "postgresql":
        return queryset.filter(search_vector=SearchQuery(" ".join(terms), config=CONFIG, search_type="plain"))
    if backend == "fts5":
        return queryset.filter(search_row__match__fts5_match=fts5_query(terms))
    padded = Concat(Value(" "), F("search_document"), Value(" "), output_field=models.TextField())
    queryset = queryset.alias(_search_words=padded)
    for term in terms:
        queryset = queryset.filter(_search_words__contains=f" {term} ")
    return queryset


def practice_matching(queryset: QuerySet, *, q: str) -> QuerySet:
    """Practices of ``queryset`` holding every word of ``q``: the search's filter without its ranking.

    For callers with an order of their own (the admin's changelist); as cheap
    as the index lookup.
    """
    return _matching(queryset, PRACTICES, q)


def case_report_matching(queryset: QuerySet, *, q: str) -> QuerySet:
    """Case reports of ``queryset`` holding every word of ``q``, unranked (see practice_matching)."""
    return _matching(queryset, CASE_REPORTS, q)


def practice_search(queryset: QuerySet, *, q: str) -> QuerySet:
    """Practices of ``queryset`` holding every word of ``q`` (name or city paragraphs).

    Annotated with ``search_rank`` (float, higher is better; a word in the
    name counts far more) and ordered by it, then by number. Empty for a
    query without words (punctuation only).
    """
    return _search(queryset, PRACTICES, q)


def case_report_search(queryset: QuerySet, *, q: str) -> QuerySet:
    """Case reports of ``queryset`` holding every word of ``q`` (title, subtitle or body); as above."""
    return _search(queryset, CASE_REPORTS, q)


def search_explain(q: str, *, model: type[models.Model] = Practice, using: str | None = None,
                   force_index: bool = False) -> str:
    """The database's plan for searching ``q`` (EXPLAIN; EXPLAIN QUERY PLAN on SQLite).

    ``force_index`` (PostgreSQL) turns sequential and plain index scans off
    for this plan: on a table of a few dozen rows the planner rightly scans
    it whatever its indexes, and this shows that the GIN index (a bitmap
    index scan) can serve the query. Runs in a transaction it rolls back.
    """
    from django.db import transaction

    alias = using or router.db_for_read(model)
    search = practice_search if model is Practice else case_report_search
    queryset = search(model._default_manager.db_manager(alias).all(), q=q)

    class _Rollback(Exception):
        pass

    plan = ""
    try:
        with transaction.atomic(using=alias):
            if force_index and connections[alias].vendor == "postgresql":
                with connections[alias].cursor() as cursor:
                    cursor.execute("SET LOCAL enable_seqscan = off")
                    cursor.execute("SET LOCAL enable_indexscan = off")
            plan = queryset.explain()
            raise _Rollback
    except _Rollback:
        pass
    return plan


# --------------------------------------------------------------------------- highlighting

def _terms(terms: Iterable[str] | str | None) -> list[str]:
    if terms is None:
        return []
    return query_terms(terms) if isinstance(terms, str) else list(terms)


def highlight(text, terms: Iterable[str] | str | None) -> SafeString:
    """``text`` HTML-escaped, with every occurrence of ``terms`` wrapped in <mark>.

    ``text`` is treated as plain text (markup in it is escaped, never
    trusted); ``terms`` are search words (``query_terms(q)``) or the query
    string itself. Case-insensitive; the longest term wins where terms
    overlap. Safe to render unescaped.
    """
    text = "" if text is None else str(text)
    pieces, position = [], 0
    for start, end in highlight_spans(text, _terms(terms)):
        pieces.append(escape(text[position:start]))
        pieces.append("<mark>" + escape(text[start:end]) + "</mark>")
        position = end
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # every piece of text is escaped above


def search_excerpt(text, terms: Iterable[str] | str | None, *, width: int = 120) -> SafeString:
    """About ``width`` characters of ``text`` around its first match, highlighted; "…" marks cuts.

    The start of the text when nothing matches.
    """
    text = "" if text is None else str(text)
    spans = highlight_spans(text, _terms(terms))
    if len(text) <= width:
        return highlight(text, terms)
    first = spans[0][0] if spans else 0
    start = max(0, min(first - width // 3, len(text) - width))
    end = start + width
    # Never cut a highlighted word in two.
    for s, e in spans:
        if s < start < e:
            start = s
        if s < end < e:
            end = e
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(escape(prefix) + highlight(text[start:end], terms) + escape(suffix))
