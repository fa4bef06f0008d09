"""Querying the index: ranked search, unranked matching and the query plan (reads only; index.py writes)."""
from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections, models, router
from django.db.models import Case, F, FloatField, Func, Lookup, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat

from ..importer.search_text import fts5_query, query_terms
from ..models import CaseReportSearchRow, Practice, PracticeSearchRow
from .index import CASE_REPORTS, CONFIG, PRACTICES, SearchIndex, search_backend

# bm25 column weights (title, document): a word in the name counts ten times.
FTS5_WEIGHTS = (10.0, 1.0)
# PostgreSQL ranks at most this many matches of a search (see _search).
RANKED_CANDIDATES = 500


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


def _search(queryset: QuerySet, index: SearchIndex, q: str) -> QuerySet:
    terms = query_terms(q)
    if not terms:
        # Still annotated, so that callers may order by search_rank whatever q was.
        return queryset.annotate(search_rank=Value(0.0, output_field=FloatField())).none()
    backend = search_backend(queryset.db)
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


def _matching(queryset: QuerySet, index: SearchIndex, q: str) -> QuerySet:
    terms = query_terms(q)
    if not terms:
        return queryset.none()
    backend = search_backend(queryset.db)
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
