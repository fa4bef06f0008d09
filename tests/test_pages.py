"""Error pages, discovery (indexes, sitemap, robots.txt, favicon, feeds, meta tags, API docs) and the home matrix."""

import contextlib
import re
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.models import Count, Q
from django.test import RequestFactory
from django.urls import get_resolver

from practices.models import CaseReport, Category, City, Practice, PracticeEntry, Province, Status

pytestmark = pytest.mark.django_db

MAX_QUERIES = 12
# A sitemap file read first after a write also counts the places (selectors.places.place_counts): the
# stored-counts lookup, two counting queries, the revision and the INSERT with its savepoint.
SITEMAP_MAX_QUERIES = MAX_QUERIES + 6
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def assert_site_layout(html: str) -> None:
    """The site's frame: viewport, a <main> landmark, the navigation and a search box."""
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert re.search(r'<main id="main"[^>]*>', html)
    assert '<nav class="site-nav"' in html
    assert re.search(r'href="(/en)?/practices/"', html) and re.search(r'href="(/en)?/cities/"', html)
    assert re.search(r'<form class="search" role="search" action="(/en)?/practices/" method="get">', html)
    assert 'name="q"' in html


# -- 3. error pages -------------------------------------------------------------------


def test_an_unknown_address_gives_the_chinese_404_page_with_navigation(client, catalogue):
    assert settings.DEBUG is False
    response = client.get("/nonexistent/")
    html = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="zh-Hans">' in html and "<h1>找不到这个页面</h1>" in html
    assert "<code>/nonexistent/</code>" in html
    assert "Not Found" not in html  # not Django's bare page
    assert_site_layout(html)
    assert 'name="robots" content="noindex"' in html
    assert 'href="/en/nonexistent/" lang="en" hreflang="en"' in html  # the language switch works there too


def test_the_404_page_is_english_under_the_english_prefix(client, catalogue):
    html = client.get("/en/nonexistent/").content.decode()
    assert '<html lang="en">' in html and "<h1>Page not found</h1>" in html
    assert_site_layout(html)
    body = html.split('<main id="main"')[1].split("</main>")[0]
    assert not re.search(r"[\u4e00-\u9fff]", body), "untranslated Chinese on the English 404 page"


def test_an_unknown_practice_number_renders_the_same_404_page_with_its_reason(client, catalogue):
    response = client.get("/practices/999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>找不到这个页面</h1>" in html and "没有这个典型做法" in html
    assert_site_layout(html)
    # The resolver's own message (the URL patterns it tried) is never shown.
    assert "practices/<int:number>/" not in client.get("/nonexistent/").content.decode()


def test_the_error_handlers_are_wired(catalogue):
    resolver = get_resolver()
    for status, name in [
        (400, "bad_request"),
        (403, "permission_denied"),
        (404, "page_not_found"),
        (500, "server_error"),
    ]:
        handler = resolver.resolve_error_handler(status)
        assert handler.__module__ == "practices.views.errors" and handler.__name__ == name


def test_a_disallowed_host_gives_the_styled_400_page(client, catalogue):
    response = client.get("/", HTTP_HOST="evil.example")
    html = response.content.decode()
    assert response.status_code == 400
    assert "<h1>请求有误</h1>" in html
    assert_site_layout(html)


def test_the_403_page(catalogue):
    from practices.views.errors import permission_denied

    response = permission_denied(RequestFactory().get("/somewhere/"))
    html = response.content.decode()
    assert response.status_code == 403 and "<h1>无权访问</h1>" in html
    assert_site_layout(html)


def test_a_form_without_a_csrf_token_gives_the_styled_403_page(catalogue):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "<h1>表单已失效</h1>" in html and "CSRF verification failed" not in html
    assert_site_layout(html)


def test_the_generic_429_page(catalogue):
    from practices.views.errors import too_many_requests

    response = too_many_requests(RequestFactory().get("/practices/"), retry_after=30)
    html = response.content.decode()
    assert response.status_code == 429 and response["Retry-After"] == "30"
    assert "<h1>请求过于频繁</h1>" in html and "30 秒" in html
    assert_site_layout(html)


def test_the_500_page_is_standalone_with_navigation_and_search(client, catalogue, django_assert_num_queries):
    from practices.views.errors import server_error

    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500 and "<h1>服务器出错</h1>" in html
    assert_site_layout(html)
    assert "csrfmiddlewaretoken" not in html  # rendered without a request


def test_the_503_page_has_navigation_and_search_without_a_request():
    from django.template import loader

    html = loader.get_template("503.html").render()
    assert "<h1>服务暂时不可用</h1>" in html
    assert_site_layout(html)


def test_the_favicon(client, catalogue):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/practices/favicon.ico"
    for name in ("practices/favicon.ico", "practices/favicon.svg"):
        assert finders.find(name), name
    with open(finders.find("practices/favicon.ico"), "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO header
    html = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/practices/favicon.svg" type="image/svg+xml">' in html


# -- 4. discovery: index pages ---------------------------------------------------------------


@pytest.mark.parametrize("url", ["/categories/", "/cities/", "/provinces/"])
def test_index_pages_render_with_few_queries_and_are_in_the_navigation(
    client, catalogue, django_assert_max_num_queries, url
):
    client.get(url)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    html = client.get("/").content.decode()
    assert f'<li><a href="{url}">' in html
    assert f'<li><a href="{url}" aria-current="page">' in response.content.decode()


def test_the_category_index_counts_published_practices(client, catalogue):
    Practice.objects.filter(number=15).update(status=Status.DRAFT)  # 15 is a 融资 (category 2) practice
    html = client.get("/categories/").content.decode()
    for category in Category.objects.all():
        expected = Practice.objects.published().filter(category=category).count()
        link = f'<a href="/practices/?category={category.slug}">{expected}</a>'
        assert link in html, category.name
    assert Practice.objects.published().filter(category__number=2).count() == 19


def test_the_city_index_counts_practices_and_case_reports_per_city(client, catalogue):
    html = client.get("/cities/").content.decode()
    reporting = City.objects.filter(entries__practice__status=Status.PUBLISHED).distinct()
    assert reporting.count() == 8
    for city in reporting:
        practices = Practice.objects.published().filter(entries__city=city).distinct().count()
        assert f'<a href="/practices/?city={city.slug}">{practices}</a>' in html, city.name
    wenzhou = City.objects.get(slug="wenzhou")
    reports = CaseReport.objects.published().filter(cities=wenzhou).count()
    assert reports >= 1
    assert f'<a href="/case-reports/?city=wenzhou">{reports}</a>' in html
    assert "8 个城市报送了典型做法" in html


def test_the_province_index_counts_practices_and_case_reports(client, catalogue):
    html = client.get("/provinces/").content.decode()
    provinces = Province.objects.annotate(
        reports=Count("case_reports", filter=Q(case_reports__status=Status.PUBLISHED), distinct=True)
    )
    shown = 0
    for province in provinces:
        practices = Practice.objects.published().filter(entries__city__province=province).distinct().count()
        if practices:
            assert f'<a href="/practices/?province={province.slug}">{practices}</a>' in html, province.name
        if province.reports:
            assert f'<a href="/case-reports/?province={province.slug}">{province.reports}</a>' in html
        if practices or province.reports:
            shown += 1
            assert f'href="{province.get_absolute_url()}"' in html
    assert html.count('<th scope="row">') == shown
    assert '<a href="/practices/?province=zhejiang">45</a>' in html


# -- 4. discovery: sitemap, robots.txt, feeds, meta tags ------------------------------------------


def sitemap_locations(client, bounded=contextlib.nullcontext) -> set[str]:
    """Every address of every file the sitemap index at /sitemap.xml lists (each request within ``bounded()``)."""
    with bounded():
        response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    files = [loc.text for loc in ET.fromstring(response.content).findall("s:sitemap/s:loc", SITEMAP_NS)]
    assert files and all(f.startswith("http://testserver/sitemap-") for f in files)
    locations: set[str] = set()
    for file in files:
        with bounded():
            part = client.get(file.removeprefix("http://testserver"))
        assert part.status_code == 200
        locations |= {loc.text.removeprefix("http://testserver")
                      for loc in ET.fromstring(part.content).findall("s:url/s:loc", SITEMAP_NS)}
    return locations


def test_a_big_section_is_split_in_files_of_limit_addresses(client, catalogue, monkeypatch):
    from practices.sitemaps import PracticeSitemap

    monkeypatch.setattr(PracticeSitemap, "limit", 50)
    index = client.get("/sitemap.xml").content.decode()
    assert "/sitemap-practices.xml</loc>" in index and "/sitemap-practices.xml?p=3</loc>" in index
    assert "/sitemap-practices.xml?p=4" not in index  # 72 practices × 2 languages = 144 addresses
    pages = [client.get(f"/sitemap-practices.xml?p={n}").content.decode().count("<url>") for n in (1, 2, 3)]
    assert pages == [50, 50, 44]


@pytest.mark.parametrize("limit", [7, 50])
def test_a_section_page_reads_only_its_own_records_in_order(client, catalogue, monkeypatch, limit):
    from practices.sitemaps import PracticeSitemap

    monkeypatch.setattr(PracticeSitemap, "limit", limit)
    numbers = list(Practice.objects.published().order_by("number").values_list("number", flat=True))
    pairs = [(n, prefix) for n in numbers for prefix in ("", "/en")]  # Chinese first, as LANGUAGES
    for page in (1, 2, 3):
        part = ET.fromstring(client.get(f"/sitemap-practices.xml?p={page}").content)
        shown = [loc.text.removeprefix("http://testserver") for loc in part.findall("s:url/s:loc", SITEMAP_NS)]
        assert shown == [f"{prefix}/practices/{n}/" for n, prefix in pairs[(page - 1) * limit:page * limit]]


def test_the_sitemap_index_dates_each_section_without_reading_its_items(client, catalogue, monkeypatch):
    from practices.sitemaps import CaseReportSitemap, PracticeSitemap

    calls = []
    for section in (PracticeSitemap, CaseReportSitemap):
        real = section.lastmod
        monkeypatch.setattr(section, "lastmod", lambda self, item, real=real: calls.append(item) or real(self, item))
    Practice.objects.filter(number=15).update(status=Status.DRAFT)
    newest_draft = Practice.objects.get(number=15)
    Practice.objects.filter(number=14).update(updated="2030-01-02T03:04:05+08:00")
    Practice.objects.filter(number=15).update(updated="2031-01-01T00:00:00+08:00")
    index = ET.fromstring(client.get("/sitemap.xml").content)
    dates = {entry.find("s:loc", SITEMAP_NS).text.removeprefix("http://testserver"): entry.find("s:lastmod", SITEMAP_NS)
             for entry in index.findall("s:sitemap", SITEMAP_NS)}
    assert calls == []  # one query per section, not one call per practice (100k at scale)
    # The newest published practice, not the draft edited later.
    assert dates["/sitemap-practices.xml"].text.startswith("2030-01-02T03:04:05") and newest_draft.status == "draft"
    assert dates["/sitemap-case-reports.xml"] is not None


def test_the_sitemap_lists_every_public_page_and_no_draft(client, catalogue, django_assert_max_num_queries):
    report = CaseReport.objects.published().select_related("source").first()
    report.status = Status.DRAFT
    report.save()
    Practice.objects.filter(number=15).update(status=Status.DRAFT)
    locations = sitemap_locations(client, bounded=lambda: django_assert_max_num_queries(SITEMAP_MAX_QUERIES))
    for url in [
        "/",
        "/practices/",
        "/metrics/",
        "/case-reports/",
        "/categories/",
        "/cities/",
        "/provinces/",
        "/about/",
        "/practices/14/",
        "/categories/rongzi-nanti/",
        "/cities/taizhou-zhejiang/",
        "/provinces/zhejiang/",
    ]:
        assert url in locations, url
    assert "/practices/15/" not in locations
    assert report.get_absolute_url() not in locations
    published = Practice.objects.published().count()
    assert sum(1 for loc in locations if re.fullmatch(r"/practices/\d+/", loc)) == published == 71
    assert (
        sum(1 for loc in locations if loc.startswith("/case-reports/") and loc.count("/") == 4)
        == CaseReport.objects.published().count()
    )


def test_robots_txt_disallows_the_admin_and_points_to_the_sitemap(client, catalogue):
    response = client.get("/robots.txt")
    body = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert f"Disallow: /{settings.ADMIN_URL}\n" in body
    assert "Allow: /\n" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


@pytest.mark.parametrize(
    ("url", "title", "og_type"),
    [
        ("/", "首页", "website"),
        ("/cities/", "城市", "website"),
        ("/about/", "关于数据", "website"),
        ("/practices/15/", None, "article"),
    ],
)
def test_every_page_has_a_description_open_graph_and_feed_links(client, catalogue, url, title, og_type):
    html = client.get(url).content.decode()
    meta = dict(re.findall(r'<meta (?:name|property)="([^"]+)" content="([^"]*)">', html))
    for name in ("description", "og:title", "og:description", "og:type", "og:url", "og:site_name", "og:locale"):
        assert meta.get(name), name
    assert meta["og:url"] == f"http://testserver{url}" and meta["og:locale"] == "zh_CN"
    assert meta["og:site_name"] == "典型做法目录" and meta["og:type"] == og_type
    if title:
        assert meta["og:title"] == title and f"<title>{title} · 典型做法目录</title>" in html
    assert '<link rel="alternate" type="application/atom+xml" href="/feeds/practices.atom"' in html
    assert '<link rel="alternate" type="application/atom+xml" href="/feeds/case-reports.atom"' in html


def test_each_page_has_its_own_description(client, catalogue):
    def description(url: str) -> str:
        return re.search(r'<meta name="description" content="([^"]*)">', client.get(url).content.decode())[1]

    descriptions = {url: description(url) for url in ["/", "/categories/", "/cities/", "/provinces/", "/about/"]}
    assert len(set(descriptions.values())) == len(descriptions)
    assert "72 项典型做法" in descriptions["/"]


def test_the_title_is_escaped_once_in_meta_tags(client, catalogue):
    city = City.objects.get(slug="qingdao")
    city.name = 'Q&"<x>'
    city.save()
    html = client.get("/cities/qingdao/").content.decode()
    assert '<meta property="og:title" content="Q&amp;&quot;&lt;x&gt;">' in html
    assert "<title>Q&amp;&quot;&lt;x&gt; · 典型做法目录</title>" in html


# -- 4. API documentation -------------------------------------------------------------------


def test_the_api_docs_list_every_operation_with_its_parameters_and_errors(client, catalogue):
    schema = client.get("/api/schema/?format=json").json()
    html = client.get("/api/docs/").content.decode()
    operations = [(method.upper(), path) for path, item in schema["paths"].items() for method in item]
    assert len(operations) >= 12
    for method, path in operations:
        assert f"<code>{method} {path}</code>" in html
    # Parameters with their constraints, and the documented error statuses.
    assert "<code>page_size</code>" in html and "<code>has_metrics</code>" in html
    assert "<code>400</code>" in html and "<code>404</code>" in html
    assert "<script" not in html.replace('<script src="/static/', "")  # no inline or foreign script
    assert 'href="/api/practices/"' in html  # a GET to try by following a link
    assert client.get("/en/api/docs/").status_code == 200  # the language switch leads somewhere


def test_the_about_page_links_the_api_docs(client, catalogue):
    assert 'href="/api/docs/"' in client.get("/about/").content.decode()


# -- 10. home matrix ----------------------------------------------------------------------------


def test_the_home_matrix_has_column_totals_and_says_what_the_total_counts(client, catalogue):
    html = client.get("/").content.decode()
    table = html.split('<table class="matrix"')[1].split("</table>")[0]
    body, foot = table.split("<tfoot>")
    rows = [
        [int(n) for n in re.findall(r'<td class="num">(?:<a [^>]*>|<span class="muted">)(\d+)<', row)]
        for row in body.split("<tr>")[2:]
    ]
    totals = [int(n) for n in re.findall(r">(\d+)</a></td>", foot)]
    assert rows and totals
    assert all(len(row) == len(totals) for row in rows)
    # Every city column's total is the sum of its cells (an entry is unique per practice and city) ...
    for column, total in enumerate(totals[:-1]):
        assert sum(row[column] for row in rows) == total
    # ... while the last column counts distinct practices: the grand total is every published practice.
    assert totals[-1] == sum(row[-1] for row in rows) == Practice.objects.published().count() == 72
    entries = PracticeEntry.objects.filter(practice__status=Status.PUBLISHED).count()
    assert "“合计”一列和右下角数的是不同的典型做法" in html
    assert f"全部 72 项做法共有 {entries} 次城市报送" in text_of(html)
    assert 'aria-describedby="matrix-note"' in html
