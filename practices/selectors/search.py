"""Ranked Chinese full-text search, portable across SQLite and PostgreSQL.

The query is segmented with jieba; every term must occur in the record (AND,
like a search engine), and records are ranked by how many terms they match,
a hit in a title counting more than one in the text. This is substring
matching, not an index: fine for a catalogue of 72 practices. A later issue
replaces the body of ``practice_search`` with an indexed PostgreSQL search;
callers only ever see ``practice_search(queryset, q=…)``.
"""
from __future__ import annotations

import logging
import re
from functools import cache

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

# Enough for any real query; each term costs two subqueries.
MAX_TERMS = 8
# A term in the practice name is a much stronger signal than one in a paragraph.
NAME_WEIGHT = 3
# The whole query occurring verbatim (a phrase) outranks scattered terms.
PHRASE_WEIGHT = 5

# Policy words jieba's general dictionary splits badly (无还本续贷 → 无/还/本续/贷).
DOMAIN_WORDS = (
    "无还本续贷", "续贷", "转贷", "还本", "过桥", "应急转贷", "融资难", "融资贵", "首贷", "信用贷",
    "亲清", "政商关系", "营商环境", "专精特新", "小巨人", "一网通办", "一件事", "免申即享", "工商联",
    "商会", "民营企业", "民营经济", "中小微企业", "知识产权", "企业开办",
)

_PUNCTUATION = re.compile(r"^[\W_]+$")


@cache
def _jieba():
    import jieba

    # jieba logs its dictionary loading at DEBUG on its own handler.
    jieba.setLogLevel(logging.WARNING)
    for word in DOMAIN_WORDS:
        jieba.add_word(word)
    return jieba


def search_terms(q: str) -> list[str]:
    """The distinct search terms of ``q``, in order: jieba's search-mode segments.

    Whitespace and punctuation are dropped; single characters are dropped too
    when the query has longer terms (a lone 的 or 无 matches everything).
    At most MAX_TERMS terms.
    """
    segments = [s.strip() for s in _jieba().cut_for_search(q or "")]
    segments = [s for s in segments if s and not _PUNCTUATION.match(s)]
    if any(len(s) > 1 for s in segments):
        segments = [s for s in segments if len(s) > 1]
    seen: dict[str, None] = {}
    for segment in segments:
        seen.setdefault(segment.lower(), None)
    return list(seen)[:MAX_TERMS]


def _phrase(q: str) -> str:
    return re.sub(r"\s+", "", q or "")


def _count_children(model, owner_field: str, text_field: str, term: str):
    """Subquery: how many ``model`` rows of the outer record contain ``term``."""
    rows = (
        model.objects.filter(**{owner_field: OuterRef("pk"), f"{text_field}__icontains": term})
        .order_by().values(owner_field).annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _in_field(field: str, term: str, weight: int):
    return Case(When(Q(**{f"{field}__icontains": term}), then=Value(weight)), default=Value(0),
                output_field=IntegerField())


def _ranked(queryset: QuerySet, q: str, *, title_field: str, children) -> QuerySet:
    """Require every term (in the title or a child text); annotate ``search_rank``.

    ``children(term)`` returns an expression counting the child texts holding term.
    """
    terms = search_terms(q)
    if not terms:
        return queryset.none()
    aliases = {}
    for index, term in enumerate(terms):
        aliases[f"search_term_{index}"] = _in_field(title_field, term, NAME_WEIGHT) + children(term)
    queryset = queryset.alias(**aliases).filter(**{f"{name}__gt": 0 for name in aliases})
    rank = sum((_fieldref(name) for name in aliases), Value(0))
    phrase = _phrase(q)
    if len(terms) > 1 or phrase != terms[0]:
        rank = rank + _in_field(title_field, phrase, PHRASE_WEIGHT) + children(phrase)
    return queryset.annotate(search_rank=rank)


def _fieldref(name: str):
    from django.db.models import F

    return F(name)


def practice_search(queryset: QuerySet, *, q: str) -> QuerySet:
    """Practices of ``queryset`` matching ``q``, annotated with ``search_rank`` (int, higher is better).

    Searches the practice name (weighted) and its city paragraphs. The result
    is unordered: callers order by ``-search_rank`` (the FilterSet's
    "relevance" sort) and can chain any other filter and paginate.
    """
    from ..models import PracticeEntry

    return _ranked(
        queryset, q, title_field="name",
        children=lambda term: _count_children(PracticeEntry, "practice", "text", term),
    )


def case_report_search(queryset: QuerySet, *, q: str) -> QuerySet:
    """Case reports matching ``q`` in title (weighted), subtitle or body; annotated ``search_rank``."""
    return _ranked(
        queryset, q, title_field="title",
        children=lambda term: _in_field("subtitle", term, 1) + _in_field("body", term, 1),
    )
