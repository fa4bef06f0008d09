"""The pages timed at a database's scale, the values chosen for their filters, the catalogue's counts."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

EXPORT_TARGET_ROWS = 10_000
SEARCH_WORD = "融资"
SEARCH_PHRASE = "无还本续贷"
PREFERRED_CITY = "qingdao"  # 青岛: a real reporting city, present at every scale
PREFERRED_CATEGORY = 2  # 破解民营企业融资难题: the largest real category


@dataclass
class Page:
    name: str
    label: str
    url: str
    admin: bool = False
    export: bool = False
    # Datasette's table page answering the same question (SQLite runs only).
    datasette: str | None = None


def choose_pages(*, datasette_db: str | None = None) -> tuple[list[Page], dict]:
    """The pages to time at this database's scale, and the values picked for their filters."""
    from django.db.models import Count, Q

    from practices.models import Category, City, Practice

    category = (Category.objects.filter(number=PREFERRED_CATEGORY).first()
                or Category.objects.order_by("number").first())
    city = (City.objects.filter(slug=PREFERRED_CITY).first()
            or City.objects.annotate(n=Count("entries")).order_by("-n", "slug").first())
    published = Practice.objects.filter(status="published")
    numbers = list(published.order_by("number").values_list("number", flat=True))
    detail = numbers[len(numbers) // 2] if numbers else 1
    # The export: the filter whose row count is closest to EXPORT_TARGET_ROWS.
    per_category = Category.objects.annotate(
        n=Count("practices", filter=Q(practices__status="published"))
    ).order_by("number")
    options = [("", published.count())] + [(urlencode({"category": c.slug}), c.n) for c in per_category]
    export_query, export_rows = min(options, key=lambda item: (abs(item[1] - EXPORT_TARGET_ROWS), item[0]))
    cat = {"category": category.slug} if category else {}
    town = {"city": city.slug} if city else {}
    pages = [
        Page("home", "首页", "/"),
        Page("list", "列表（不筛选）", "/practices/"),
        Page("list_category", "列表：按类别", "/practices/?" + urlencode(cat)),
        Page("list_city", "列表：按城市", "/practices/?" + urlencode(town)),
        Page("list_category_city", "列表：类别+城市", "/practices/?" + urlencode(cat | town)),
        Page("search_word", f"搜索：{SEARCH_WORD}", "/practices/?" + urlencode({"q": SEARCH_WORD})),
        Page("search_phrase", f"搜索：{SEARCH_PHRASE}", "/practices/?" + urlencode({"q": SEARCH_PHRASE})),
        Page("detail", "详情", f"/practices/{detail}/"),
        Page("api_list", "API 列表", "/api/practices/"),
        Page("api_filtered", "API：类别+城市", "/api/practices/?" + urlencode(cat | town)),
        Page("admin_changelist", "后台列表", "/admin/practices/practice/", admin=True),
        Page("admin_search", f"后台搜索：{SEARCH_WORD}", "/admin/practices/practice/?" + urlencode({"q": SEARCH_WORD}),
             admin=True),
        Page("export_csv", "CSV 导出", "/practices/export.csv" + (f"?{export_query}" if export_query else ""),
             export=True),
    ]
    if datasette_db and category and city:
        table = f"/{datasette_db}/practices_practice?"
        base = {"status__exact": "published", "_sort": "number", "_size": "20"}
        in_city = {"_where": f"id in (select practice_id from practices_practiceentry where city_id = {city.pk})"}
        by_category = {"category_id__exact": str(category.pk)}
        for page in pages:
            query = {"list": base, "list_category": base | by_category, "list_city": base | in_city,
                     "list_category_city": base | by_category | in_city}.get(page.name)
            if query is not None:
                page.datasette = table + urlencode(query)
    chosen = {"category": category.slug if category else None, "city": city.slug if city else None,
              "detail_number": detail, "export_query": export_query, "export_expected_rows": export_rows}
    return pages, chosen


def catalogue_counts() -> dict:
    from practices.models import CaseReport, City, Metric, Practice, PracticeEntry, Province

    return {
        "practices": Practice.objects.count(),
        "published": Practice.objects.filter(status="published").count(),
        "entries": PracticeEntry.objects.count(),
        "metrics": Metric.objects.count(),
        "case_reports": CaseReport.objects.count(),
        "cities_with_entries": City.objects.filter(entries__isnull=False).distinct().count(),
        "provinces_with_entries": Province.objects.filter(cities__entries__isnull=False).distinct().count(),
    }
