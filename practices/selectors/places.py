"""Reads for the city, province and category pages: what each holds, counted by category."""
from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.http import urlencode

from ..catalogue_cache import catalogue_cached
from ..models import SEARCH_FIELDS, CaseReport, Category, City, Metric, Practice, PracticeEntry, Province, Status
from .practices import category_city_counts


def _list_url(**params: str) -> str:
    return f"{reverse('practices:practice-list')}?{urlencode(params)}"


def counts_by_category(*, practices: QuerySet[Practice], categories: list[Category], **params: str) -> list[dict]:
    """[{"category": Category, "count": int, "url": str}, …] for categories holding any of ``practices``.

    ``params`` (e.g. city="qingdao") narrow the practice-list link further. One GROUP BY query.
    """
    counts = dict(practices.order_by().values_list("category_id").annotate(n=Count("pk")))
    return _by_category(counts, categories=categories, **params)


def _by_category(counts: dict[int, int], *, categories: list[Category], **params: str) -> list[dict]:
    return [
        {"category": category, "count": counts[category.pk], "url": _list_url(category=category.slug, **params)}
        for category in categories if counts.get(category.pk)
    ]


# A place or category can hold thousands of practices (a 100k catalogue: a category ~14,000): its
# page lists the first ones, counts them all, and links to the filtered list for the rest.
PRACTICES_SHOWN = 50


def _practices(queryset: QuerySet[Practice], *, count: int | None = None) -> dict:
    """{"practices": the first PRACTICES_SHOWN by number, "practice_count": how many (``count`` if known)}.

    One or two queries.
    """
    shown = list(queryset.select_related("category").defer("raw_text", *SEARCH_FIELDS, "category__load_fingerprint")
                 .order_by("number")[:PRACTICES_SHOWN])
    if count is None:
        count = len(shown) if len(shown) < PRACTICES_SHOWN else queryset.count()
    return {"practices": shown, "practice_count": count}


# A place can hold hundreds of metrics: its page shows the first ones and links to the explorer.
METRICS_SHOWN = 25


# The groups a page counts metrics by, and each metric's path to its group.
METRIC_GROUPS = {"cities": "entry__city_id", "provinces": "entry__city__province_id",
                 "categories": "entry__practice__category_id"}


def _metrics(*, group: str, pk: int) -> dict:
    """{"metrics": the first METRICS_SHOWN in practice order, "metric_count": how many there are}.

    The metrics of the city, province or category ``pk`` (``group``: a key of METRIC_GROUPS). One
    query; the count is the group's in ``metric_counts``, stored per catalogue revision.
    """
    metrics = Metric.objects.filter(entry__practice__status=Status.PUBLISHED, **{METRIC_GROUPS[group]: pk})
    shown = list(
        metrics.select_related("entry__practice", "entry__city__province").defer("entry__text", "sentence")
        .order_by("entry__practice__number", "entry__position", "position")[:METRICS_SHOWN]
    )
    if len(shown) < METRICS_SHOWN:
        return {"metrics": shown, "metric_count": len(shown)}
    return {"metrics": shown, "metric_count": dict(metric_counts()[group]).get(pk, 0)}


def metric_counts() -> dict[str, list[list[int]]]:
    """{"cities"|"provinces"|"categories": [[pk, metrics], …]}: the published practices' metrics by place and category.

    One GROUP BY over every metric, stored per catalogue revision: 0.4 s at 100,000 practices,
    where counting one city's metrics on its page took 25 ms, for each of ~300 cities.
    """
    def compute() -> dict[str, list[list[int]]]:
        totals: dict[str, dict[int, int]] = {group: {} for group in METRIC_GROUPS}
        rows = (Metric.objects.filter(entry__practice__status=Status.PUBLISHED).order_by()
                .values_list(*METRIC_GROUPS.values()).annotate(n=Count("pk")))
        for *keys, n in rows:
            for group, pk in zip(METRIC_GROUPS, keys, strict=True):
                totals[group][pk] = totals[group].get(pk, 0) + n
        return {group: [[pk, n] for pk, n in counts.items()] for group, counts in totals.items()}

    return catalogue_cached("metric_counts", {}, compute)


# The cities counted on a category page: the most reporting ones (a 100k catalogue: all 298).
CITIES_SHOWN = 30
# The same for case reports (a 100k catalogue: ~700 per category).
CASE_REPORTS_SHOWN = 20


def _case_reports(queryset: QuerySet[CaseReport]) -> dict:
    """{"case_reports": the first CASE_REPORTS_SHOWN in source order, "case_report_count": how many}."""
    published = queryset.published()
    shown = list(published.select_related("province", "source")
                 .defer("body", "source_spans", "source__raw_text", "source__non_article_parts")
                 .order_by("source__filename", "position")[:CASE_REPORTS_SHOWN])
    return {"case_reports": shown,
            "case_report_count": len(shown) if len(shown) < CASE_REPORTS_SHOWN else published.count()}


def city_overview(*, slug: str) -> dict:
    """Everything the city page shows; raises City.DoesNotExist. Seven to ten queries, whatever its size.

    {"city": City, "practices": [Practice] (the first PRACTICES_SHOWN), "practice_count": int,
     "by_category": counts_by_category(…),
     "metrics": [Metric] (the first METRICS_SHOWN; entry, practice and city loaded),
     "metric_count": int, "case_reports": [CaseReport] (the first CASE_REPORTS_SHOWN), "case_report_count": int}
    """
    city = City.objects.select_related("province").get(slug=slug)
    # The counts are the home matrix's column, stored per revision. The first practices are picked
    # by number among the city's ids, read from the entries' (city, practice) index without a join;
    # joined, PostgreSQL hashed all 100,000 practices (15 ms), or walked them in number order
    # probing each (20,000 probes, 26-41 ms) to list a city's first 50.
    counts = {category_id: n for category_id, city_id, n in category_city_counts()["cells"] if city_id == city.pk}
    ids = list(PracticeEntry.objects.filter(city=city).order_by().values_list("practice_id", flat=True))
    # Keys first (an index-only scan of the published numbers), then the rows: walking the number
    # order on the table itself read ~3,000 wide rows to keep 50 (7 against 1 ms at 100k).
    first = list(Practice.objects.published().filter(pk__in=ids).order_by("number")
                 .values_list("pk", flat=True)[:PRACTICES_SHOWN])
    return {
        "city": city,
        **_practices(Practice.objects.filter(pk__in=first), count=sum(counts.values())),
        "by_category": _by_category(counts, categories=list(Category.objects.all()), city=city.slug),
        **_metrics(group="cities", pk=city.pk),
        **_case_reports(CaseReport.objects.filter(cities=city)),
    }


def province_overview(*, slug: str) -> dict:
    """Everything the province page shows; raises Province.DoesNotExist. Eight or nine queries.

    As city_overview, plus "cities": [City annotated practice_count] (only cities
    the catalogue mentions), and case reports about the province.
    """
    province = Province.objects.get(slug=slug)
    # Thousands of practices at 100,000: a literal list of ids would cost more than the EXISTS.
    practices = Practice.objects.published().with_entry(city__province=province)
    cities = list(
        City.objects.filter(province=province)
        .annotate(practice_count=Count("entries__practice", filter=Q(entries__practice__status=Status.PUBLISHED),
                                       distinct=True))
        .order_by("-practice_count", "adcode")
    )
    return {
        "province": province,
        "cities": cities,
        **_practices(practices),
        "by_category": counts_by_category(practices=practices, categories=list(Category.objects.all()),
                                          province=province.slug),
        **_metrics(group="provinces", pk=province.pk),
        **_case_reports(CaseReport.objects.filter(province=province)),
    }


def category_overview(*, slug: str) -> dict:
    """Everything the category page shows; raises Category.DoesNotExist. Seven to nine queries.

    {"category": Category, "practices": [Practice, entries with cities prefetched] (the first PRACTICES_SHOWN),
     "practice_count": int,
     "by_city": [{"city": City, "count": int, "url": str}] (the CITIES_SHOWN with most practices),
     "city_total": int (cities in all),
     "metrics": [Metric], "metric_count": int, "case_reports": [CaseReport] (the first CASE_REPORTS_SHOWN), "case_report_count": int}
    """
    category = Category.objects.get(slug=slug)
    published = Practice.objects.published().filter(category=category)
    practices = list(
        published.defer("raw_text").order_by("number")[:PRACTICES_SHOWN]
        .prefetch_related(Prefetch(
            "entries", queryset=PracticeEntry.objects.select_related("city__province").order_by("position")
        ))
    )
    for practice in practices:
        practice.category = category  # already known: saves a query per practice
    # An entry is unique per practice and city: counting entries counts practices.
    counts = dict(PracticeEntry.objects.filter(practice__in=published).order_by().values_list("city_id")
                  .annotate(n=Count("pk")))
    by_city = sorted(
        ({"city": city, "count": counts[city.pk], "url": _list_url(category=category.slug, city=city.slug)}
         for city in City.objects.filter(pk__in=counts).select_related("province")),
        key=lambda row: (-row["count"], row["city"].adcode),
    )[:CITIES_SHOWN]
    return {
        "category": category,
        "practices": practices,
        "practice_count": len(practices) if len(practices) < PRACTICES_SHOWN else published.count(),
        "by_city": by_city,
        "city_total": len(counts),
        **_metrics(group="categories", pk=category.pk),
        **_case_reports(CaseReport.objects.filter(categories=category)),
    }


# --- The index pages (/categories/, /cities/, /provinces/) and the sitemap -----------------------

def _count_of(queryset: QuerySet, *, group: str, field: str) -> Coalesce:
    """A correlated COUNT(DISTINCT field) of ``queryset`` (filtered on OuterRef, one group per outer row).

    A subquery per count lets two one-to-many relations be counted side by
    side without multiplying each other's rows in one join.
    """
    return Coalesce(Subquery(
        queryset.order_by().values(group).annotate(n=Count(field, distinct=True)).values("n")[:1]
    ), 0)


def category_index() -> list[Category]:
    """Every category in number order, annotated ``practice_count`` (published practices). One query."""
    return list(Category.objects.annotate(
        practice_count=Count("practices", filter=Q(practices__status=Status.PUBLISHED)),
    ).order_by("number"))


def place_counts() -> dict[str, list[list[int]]]:
    """{"cities": [[pk, practices, case reports], …], "provinces": […]}: every place holding anything published.

    A city counts the distinct published practices it reported and the
    published case reports mentioning it; a province the distinct published
    practices reported by its cities and the published case reports set in it.
    Two queries, cached per catalogue revision (at 100,000 practices they take
    seconds): the indexes, the map and the sitemap all read them.
    """
    def compute() -> dict[str, list[list[int]]]:
        def rows(queryset: QuerySet) -> list[list[int]]:
            return [list(row) for row in queryset.filter(Q(practice_count__gt=0) | Q(case_report_count__gt=0))
                    .values_list("pk", "practice_count", "case_report_count")]

        entries = PracticeEntry.objects.filter(practice__status=Status.PUBLISHED)
        mentions = CaseReport.cities.through.objects.filter(city=OuterRef("pk"), casereport__status=Status.PUBLISHED)
        set_in = CaseReport.objects.filter(province=OuterRef("pk"), status=Status.PUBLISHED)
        return {
            "cities": rows(City.objects.annotate(
                practice_count=_count_of(entries.filter(city=OuterRef("pk")), group="city", field="practice"),
                case_report_count=_count_of(mentions, group="city", field="casereport"))),
            "provinces": rows(Province.objects.annotate(
                practice_count=_count_of(entries.filter(city__province=OuterRef("pk")), group="city__province",
                                         field="practice"),
                case_report_count=_count_of(set_in, group="province", field="pk"))),
        }

    return catalogue_cached("place_counts", {}, compute)


def _counted(queryset: QuerySet, rows: list[list[int]]) -> list:
    """The records of ``rows`` ([pk, practices, case reports]), annotated ``practice_count`` and ``case_report_count``."""
    counts = {pk: (practices, reports) for pk, practices, reports in rows}
    records = list(queryset.filter(pk__in=counts))
    for record in records:
        record.practice_count, record.case_report_count = counts[record.pk]
    return records


def city_index(*, counts: dict[str, list[list[int]]] | None = None) -> list[City]:
    """Cities with a published practice or a published case report mentioning them, province loaded.

    Annotated ``practice_count`` and ``case_report_count`` (``place_counts``);
    in gazetteer order (province, then city code). One query once counted;
    ``counts`` is ``place_counts()`` when the caller has read it already.
    """
    return _counted(City.objects.select_related("province").order_by("province__adcode", "adcode", "name"),
                    (place_counts() if counts is None else counts)["cities"])


def province_index(*, counts: dict[str, list[list[int]]] | None = None) -> list[Province]:
    """Provinces with a published practice (through a city) or a published case report, in code order.

    Annotated ``practice_count`` and ``case_report_count`` (``place_counts``). One query once counted.
    """
    return _counted(Province.objects.order_by("adcode", "name"), (place_counts() if counts is None else counts)["provinces"])
