"""Reads about practices: the home page's overview, lists and one practice's page."""
from __future__ import annotations

import functools

from django.db.models import Count, F, Prefetch, QuerySet
from django.urls import reverse
from django.utils.http import urlencode

from ..catalogue_cache import catalogue_cached
from ..models import (
    SEARCH_FIELDS,
    CaseReport,
    Category,
    City,
    Metric,
    Practice,
    PracticeEntry,
    RelatedPractice,
    Status,
)
from ..revision_memo import scoped_revision


def category_list() -> list[Category]:
    """All categories in number order. One query."""
    return list(Category.objects.order_by("number"))


def practice_published_list() -> QuerySet[Practice]:
    """All published practices in number order, entries prefetched; without the texts kept for search."""
    return Practice.objects.published().with_cities().defer("raw_text", *SEARCH_FIELDS).order_by("number")


def practice_list_page_rows(*, practices: QuerySet[Practice]) -> QuerySet[Practice]:
    """``practices`` ready to display: category and entries' cities loaded (two queries per page)."""
    return practices.select_related("category").prefetch_related(
        Prefetch("entries", queryset=PracticeEntry.objects.select_related("city__province").order_by("position"))
    ).defer("raw_text", *SEARCH_FIELDS)


def practice_rows(*, pks: list[int]) -> QuerySet[Practice]:
    """The practices ``pks`` with what a list row shows (practice_row.html without search), and only that.

    Number, name, category and the entries' cities: the row cache renders these rows cold at
    100k, where leaving out the texts, the search columns and the provinces made the two
    queries 5.2 -> 3.7 ms (in-process, 20 rows). Search rows need the entries' text for
    their excerpts: ``practice_list_page_rows``.
    """
    return Practice.objects.filter(pk__in=pks).select_related("category").only(
        "number", "name", "category__number", "category__name", "category__name_en", "category__slug",
    ).prefetch_related(Prefetch(
        "entries",
        queryset=PracticeEntry.objects.select_related("city").order_by("position")
        .only("practice_id", "position", "city__name", "city__pinyin", "city__slug"),
    ))


def catalogue_totals() -> dict[str, int]:
    """{"practices", "categories", "cities", "provinces", "entries", "metrics", "case_reports"}: published only.

    Seven narrow counts (one COUNT(DISTINCT) over the whole join would read
    every metric row once per entry), cached until the catalogue changes:
    two queries when cached.
    """
    def compute() -> dict[str, int]:
        published = Practice.objects.published()
        entries = PracticeEntry.objects.filter(practice__status=Status.PUBLISHED)
        return {
            "practices": published.count(),
            "categories": published.order_by().values("category_id").distinct().count(),
            "cities": entries.order_by().values("city_id").distinct().count(),
            "provinces": entries.order_by().values("city__province_id").distinct().count(),
            "entries": entries.count(),
            # Every published metric, of practices and of case reports alike (what /metrics/ lists).
            "metrics": Metric.objects.published().count(),
            "case_reports": CaseReport.objects.published().count(),
        }

    return catalogue_cached("totals", {}, compute)


# The home page's matrix shows the cities that reported most; every city has its own page.
MATRIX_MAX_CITIES = 12


def category_city_counts() -> dict[str, list[list[int]]]:
    """{"cells": [[category id, city id, practices], …], "totals": [[category id, practices], …]}: published only.

    A cell counts the city's entries in the category, which are its distinct practices (an entry
    is unique per practice and city). Stored per catalogue revision (two queries when computed):
    the home page's matrix and each city page read it.
    """
    def compute() -> dict:
        published = Practice.objects.published()
        pairs = (
            PracticeEntry.objects.filter(practice__in=published.values("pk"))
            .values_list("practice__category_id", "city_id").annotate(n=Count("pk")).order_by()
        )
        totals = published.order_by().values_list("category_id").annotate(n=Count("pk"))
        # JSON data: [category id, city id, count] and [category id, count].
        return {"cells": [list(row) for row in pairs], "totals": [list(row) for row in totals]}

    return catalogue_cached("category_city_matrix", {}, compute)


def category_city_matrix(*, max_cities: int = MATRIX_MAX_CITIES) -> dict:
    """Practice counts by category (rows) and reporting city (columns), for the home page.

    Returns {"cities": [City, …], "rows": [{"category": Category, "total": int,
    "url": str, "cells": [{"city": City, "count": int, "url": str | None}, …]}, …],
    "city_total": int (reporting cities in all), "truncated": bool,
    "column_totals": [{"city": City, "count": int, "url": str}, …] (practices per
    shown city), "total": int (distinct practices), "cell_total": int (city
    entries: a practice reported by n cities counts n times)}. A row's total
    counts distinct practices, not the sum of its cells. The
    columns are the ``max_cities`` cities with most practices (all of them
    when there are no more), in gazetteer order. Each url opens /practices/
    filtered accordingly (None for an empty cell). The counts are cached
    until the catalogue changes; then two more queries.
    """
    data = category_city_counts()
    counts = {(category_id, city_id): n for category_id, city_id, n in data["cells"]}
    totals = {category_id: n for category_id, n in data["totals"]}
    per_city: dict[int, int] = {}
    for (_, city_id), n in counts.items():
        per_city[city_id] = per_city.get(city_id, 0) + n
    shown = sorted(per_city, key=lambda city_id: (-per_city[city_id], city_id))[:max_cities]
    list_url = reverse("practices:practice-list")
    cities = list(City.objects.filter(pk__in=shown).select_related("province").order_by("province__adcode", "adcode"))
    rows = []
    for category in Category.objects.order_by("number"):
        cells = []
        for city in cities:
            count = counts.get((category.pk, city.pk), 0)
            url = f"{list_url}?{urlencode({'category': category.slug, 'city': city.slug})}" if count else None
            cells.append({"city": city, "count": count, "url": url})
        rows.append({
            "category": category, "total": totals.get(category.pk, 0), "cells": cells,
            "url": f"{list_url}?{urlencode({'category': category.slug})}",
        })
    # Column totals: the practices each city reported (an entry is unique per practice and city, so the
    # column's cells add up to distinct practices). The grand total is the distinct practices of all
    # categories, which is less than the sum of the cells when a practice has several cities.
    column_totals = [{"city": city, "count": per_city.get(city.pk, 0),
                      "url": f"{list_url}?{urlencode({'city': city.slug})}"} for city in cities]
    return {"cities": cities, "rows": rows, "city_total": len(per_city), "truncated": len(per_city) > len(cities),
            "column_totals": column_totals, "total": sum(totals.values()),
            "cell_total": sum(counts.values())}


def case_report_latest(*, limit: int = 5) -> list[CaseReport]:
    """The most recently published case reports, newest first, province and source loaded. One query.

    Undated reports (a source that prints no date) come last on every database: PostgreSQL
    would put NULLs first in a descending order, SQLite last.
    """
    return list(
        CaseReport.objects.published().select_related("province", "source")
        .defer("body", "source_spans", "source__raw_text", "source__non_article_parts")
        .order_by(F("published_at").desc(nulls_last=True), "source__filename", "position")[:limit]
    )


def practice_detail(*, number: int) -> Practice:
    """One published practice for its page; raises Practice.DoesNotExist.

    Loaded: category, source (without its raw text), entries in source order
    with city and province, and each entry's metrics in position order
    (``entry.metrics.all()``). Three queries.
    """
    return (
        Practice.objects.published().select_related("category", "source").defer("source__raw_text")
        .prefetch_related(Prefetch(
            "entries",
            queryset=PracticeEntry.objects.select_related("city__province").order_by("position").prefetch_related(
                Prefetch("metrics", queryset=Metric.objects.order_by("position"))
            ),
        ))
        .get(number=number)
    )


def practice_neighbours(*, practice: Practice) -> tuple[Practice | None, Practice | None]:
    """(previous, next) published practices by number, or None at either end. Two queries."""
    published = Practice.objects.published().only("number", "name")
    previous = published.filter(number__lt=practice.number).order_by("-number").first()
    following = published.filter(number__gt=practice.number).order_by("number").first()
    return previous, following


def practice_case_reports(*, practice: Practice) -> list[RelatedPractice]:
    """Links to the published case reports related to ``practice``: confirmed first, then by score.

    Rejected links (confirmed=False) are left out. Each link has its
    case_report and the report's province and source loaded. One query; none
    in an anonymous request when the practice has no such link, which is
    true of most practices (see ``_practices_with_case_reports``).
    """
    revision = scoped_revision()
    if revision is not None and practice.pk not in _practices_with_case_reports(revision):
        return []
    return list(
        RelatedPractice.objects.shown().filter(practice=practice, case_report__status=Status.PUBLISHED)
        .select_related("case_report__province", "case_report__source")
        .defer("case_report__body", "case_report__source_spans", "case_report__source__raw_text",
               "case_report__source__non_article_parts")
        .order_by(F("confirmed").desc(nulls_last=True), "-score", "case_report__pk")
    )


@functools.lru_cache(maxsize=2)
def _practices_with_case_reports(revision: str) -> frozenset[int]:
    """Ids of the practices with a shown link to a published case report at catalogue ``revision``.

    The reports link to a few practices each, so a practice's page outside the set skips the
    links' query, whose joins cost ~1.5 ms of ORM compilation even for no row (profiled at 100k).
    Kept in this process's memory, not in the memo cache: that cache pickles, and unpickling the
    14,000 ids of the 100k benchmark costs as much as the query saved. A write changes the
    revision, so the set is never used for a later revision than the one it was read at.
    """
    return frozenset(
        RelatedPractice.objects.shown().filter(case_report__status=Status.PUBLISHED)
        .values_list("practice_id", flat=True).distinct()
    )
