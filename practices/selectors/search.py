"""Ranked Chinese full-text search: the selectors' entry points, delegating to practices/search/.

Callers only ever see ``practice_search(queryset, q=…)``,
``case_report_search(queryset, q=…)`` and ``search_terms(q)``. The work is
done by the indexed search of ``practices.search`` (jieba words in a GIN-indexed
tsvector on PostgreSQL, an FTS5 table on SQLite): every word of the query must
occur in the record (AND), and ``search_rank`` (a float, higher is better)
puts a match in the name or title above a text-only match.
"""
from __future__ import annotations

from django.db.models import QuerySet

from .. import search as _search
from ..importer.search_text import DOMAIN_WORDS, MAX_TERMS  # noqa: F401 - kept importable from here


def search_terms(q: str) -> list[str]:
    """The distinct search terms of ``q``, in order: jieba's search-mode words.

    Whitespace and punctuation are dropped; single characters are dropped too
    when the query has longer terms (a lone 的 or 无 matches everything).
    At most MAX_TERMS terms. These are the words the search matched (use them
    to highlight results).
    """
    return _search.query_terms(q)


def practice_search(queryset: QuerySet, *, q: str) -> QuerySet:
    """Practices of ``queryset`` matching ``q``, annotated with ``search_rank`` (float, higher is better).

    Searches the practice name (weighted) and its city paragraphs. Ordered by
    rank (then number); callers may re-order (the FilterSet's sorts), chain
    any other filter and paginate.
    """
    return _search.practice_search(queryset, q=q)


def case_report_search(queryset: QuerySet, *, q: str) -> QuerySet:
    """Case reports matching ``q`` in title (weighted), subtitle or body; annotated ``search_rank``."""
    return _search.case_report_search(queryset, q=q)
