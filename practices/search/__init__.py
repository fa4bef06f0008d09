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

The package has three modules; import from ``practices.search`` itself:

* ``index``: everything that writes the index: what is indexed, which engine
  serves a database (``search_backend``), ``search_index_rebuild``,
  ``search_index_update``, ``search_index_deferred`` and the per-save signal
  handlers (``connect_signals``);
* ``query``: ``practice_search``, ``case_report_search``, their unranked
  ``*_matching`` forms and ``search_explain``;
* ``highlight``: ``highlight`` and ``search_excerpt``;
* ``excerpts``: why a hit matched (``practice_excerpt``, ``case_report_excerpt``,
  ``attach_excerpts``), for the list pages and the API.
"""
from __future__ import annotations

from ..importer.search_text import query_terms
from .excerpts import Excerpt, attach_excerpts, case_report_excerpt, practice_excerpt
from .highlight import highlight, search_excerpt
from .index import (
    DEFAULT_BATCH_SIZE,
    RebuildReport,
    connect_signals,
    search_backend,
    search_index_deferred,
    search_index_rebuild,
    search_index_update,
)
from .query import case_report_matching, case_report_search, practice_matching, practice_search, search_explain

__all__ = [
    "DEFAULT_BATCH_SIZE", "Excerpt", "RebuildReport", "attach_excerpts", "case_report_excerpt", "case_report_matching", "case_report_search", "connect_signals",
    "highlight", "practice_excerpt", "practice_matching", "practice_search", "query_terms", "search_backend", "search_excerpt",
    "search_explain", "search_index_deferred", "search_index_rebuild", "search_index_update",
]
