"""The public pages: content, bounded queries, bad input and drafts."""
import re

import pytest
from django.http import QueryDict
from django.urls import reverse

from practices.models import CaseReport, Practice, RelatedPractice

pytestmark = pytest.mark.django_db

MAX_QUERIES = 12


def report_url(title: str) -> str:
    return CaseReport.objects.get(title=title).get_absolute_url()


PAGES = [
    "/",
    "/practices/",
    "/practices/?category=2&city=台州&q=融资",
    "/practices/?q=无还本续贷&sort=-cities&has_metrics=true&province=zhejiang",
    "/practices/15/",
    "/practices/15/compare/",
    "/metrics/",
    "/metrics/?unit=元&city=青岛&category=2&sort=value",
    "/cities/taizhou-zhejiang/",
    "/provinces/zhejiang/",
    "/categories/rongzi-nanti/",
    "/case-reports/",
    "/case-reports/?province=zhejiang&category=fazhi-huanjing&q=法治",
    "/about/",
]


# The first request after a change of the catalogue also computes and stores its aggregates
# (facet counts, totals: practices/catalogue_cache.py); a fixed number of queries more.
MAX_COLD_QUERIES = 26
# /about/ builds its codebook's example values from one row of each export (about 11 queries), stored
# per revision like the other aggregates. The home page's map and the place indexes count the places
# once per revision (selectors.places.place_counts: a lookup, two counts, the revision, an INSERT).
COLD_QUERIES = {"/about/": 36, "/": 32}


@pytest.mark.parametrize("url", PAGES)
def test_every_page_renders_with_a_bounded_number_of_queries(client, catalogue, django_assert_max_num_queries, url):
    with django_assert_max_num_queries(COLD_QUERIES.get(url, MAX_COLD_QUERIES)):
        cold = client.get(url)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url)
    assert response.status_code == cold.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    # The cached figures are the computed ones: the pages differ only by their (masked) CSRF token.
    assert unmasked(response.content) == unmasked(cold.content)


def unmasked(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


def test_case_report_detail_queries_are_bounded(client, catalogue, django_assert_max_num_queries):
    url = report_url("民企“守望者”聚力助推民营经济发展")
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/practices/?per_page={n}", "/metrics/?per_page={n}", "/case-reports/?per_page={n}"])
def test_query_count_does_not_grow_with_page_size(client, catalogue, django_assert_num_queries, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (10, 100):
        assert client.get(url.format(n=size)).status_code == 200  # computes the cached aggregates
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url.format(n=size)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# -- named URLs ---------------------------------------------------------------
@pytest.mark.parametrize(("name", "kwargs", "path"), [
    ("practices:home", {}, "/"),
    ("practices:practice-list", {}, "/practices/"),
    ("practices:practice-detail", {"number": 15}, "/practices/15/"),
    ("practices:practice-compare", {"number": 15}, "/practices/15/compare/"),
    ("practices:metric-list", {}, "/metrics/"),
    ("practices:category-detail", {"slug": "rongzi-nanti"}, "/categories/rongzi-nanti/"),
    ("practices:city-detail", {"slug": "qingdao"}, "/cities/qingdao/"),
    ("practices:province-detail", {"slug": "zhejiang"}, "/provinces/zhejiang/"),
    ("practices:case-report-list", {}, "/case-reports/"),
    ("practices:case-report-detail", {"source": "000", "position": 3}, "/case-reports/000/3/"),
    ("practices:case-report-redirect", {"pk": 3}, "/case-reports/3/"),
    ("practices:about", {}, "/about/"),
])
def test_url_names(name, kwargs, path):
    assert reverse(name, kwargs=kwargs) == path


# -- home ------------------------------------------------------------------------
def test_home_has_totals_matrix_latest_reports_and_search(client, catalogue):
    html = client.get("/").content.decode()
    assert 'href="/practices/?category=rongzi-nanti&amp;city=taizhou-zhejiang"' in html
    assert re.search(r'<dd><a href="/practices/">72</a></dd>', html)
    assert '<form class="search" role="search" action="/practices/" method="get">' in html
    matrix = html.split('<table class="matrix"')[1].split("</table>")[0]
    assert matrix.count('<tr>') == 1 + 7 + 1  # header row, one per category, the totals row
    latest = CaseReport.objects.published().order_by("-published_at", "source__filename", "position").first()
    assert latest.title in html


# -- the practice list -------------------------------------------------------------
def test_list_shows_description_facets_and_export_links(client, catalogue):
    html = client.get("/practices/?category=2&city=台州&q=融资").content.decode()
    count = html.count('<li value="')
    assert f"类别为“破解民营企业融资难题”、城市为台州市、包含“融资”的典型做法，共 {count} 项" in html
    assert 'href="/practices/?category=2&amp;q=%E8%9E%8D%E8%B5%84"' in html  # the selected city toggles off
    assert 'href="/practices/export.csv?category=2&amp;city=%E5%8F%B0%E5%B7%9E&amp;q=%E8%9E%8D%E8%B5%84"' in html
    assert 'aria-current="true"' in html


def test_list_is_paginated_with_links_that_keep_the_filters(client, catalogue):
    html = client.get("/practices/?category=2&per_page=10").content.decode()
    assert html.count('<li value="') == 10
    assert 'href="?category=2&amp;per_page=10&amp;page=2"' in html
    second = client.get("/practices/?category=2&per_page=10&page=2").content.decode()
    assert second.count('<li value="') == 10 and "第 2 页，共 2 页" in second


@pytest.mark.parametrize(("sort", "first"), [("number", 1), ("-number", 72), ("-cities", None)])
def test_list_sorts(client, catalogue, sort, first):
    html = client.get(f"/practices/?sort={sort}").content.decode()
    numbers = [int(n) for n in re.findall(r'<li value="(\d+)">', html)]
    if first is None:
        most = max(Practice.objects.all(), key=lambda p: p.entries.count())
        assert Practice.objects.get(number=numbers[0]).entries.count() == most.entries.count()
    else:
        assert numbers[0] == first


# -- one practice ------------------------------------------------------------------
def test_practice_page(client, catalogue):
    html = client.get("/practices/15/").content.decode()
    assert "<h1><span class=\"number\">15.</span> 开展政策性转贷</h1>" in html
    assert html.count('<section class="entry"') == 3
    assert "476.96亿元" in html and "47,696,000,000 元" in html and "截至2021年6月底" in html
    # The source is cited by its title, never by its file name (issue 14).
    assert "《支持民营企业改革发展的典型做法》" in html and "第 15 项" in html and "003_0afe494a00c202ac.txt" not in html
    assert re.search(r"原文第 \d+–\d+ 行", html)
    assert 'href="/practices/14/" rel="prev"' in html and 'href="/practices/16/" rel="next"' in html
    assert 'href="/practices/15/compare/"' in html


def test_practice_page_lists_related_reports_without_rejected_ones(client, catalogue):
    links = list(RelatedPractice.objects.filter(practice__number=64).select_related("case_report").order_by("-score"))
    rejected, kept = links[0], links[1]
    RelatedPractice.objects.filter(pk=rejected.pk).update(confirmed=False)
    html = client.get("/practices/64/").content.decode()
    assert kept.case_report.title in html
    assert f'href="{rejected.case_report.get_absolute_url()}"' not in html


def test_compare_page_draws_an_accessible_svg_chart_per_measure(client, catalogue):
    html = client.get("/practices/15/compare/").content.decode()
    svgs = re.findall(r'<svg class="chart-wide" .*?</svg>', html, re.S)
    assert len(svgs) >= 2
    assert 'role="img"' in svgs[0] and 'aria-labelledby="chart-1-title chart-1-desc"' in svgs[0]
    assert 'aria-labelledby="chart-2-title chart-2-desc"' in svgs[1]
    days = next(svg for svg in svgs if 'data-unit="天"' in svg)
    assert days.count("<rect") == 2 and "青岛市" in days and "常州市" in days and "佛山市" not in days
    assert "其他指标" in html and "<table" in html


def test_compare_chart_has_a_stacked_drawing_for_phones_with_the_same_bars(client, catalogue):
    # At 390 px the wide drawing (viewBox 640) would shrink 13 px text to about 7 px; the narrow one
    # (viewBox 360, 15 px, labels above the bars) keeps it at about 15 px.
    html = client.get("/practices/15/compare/").content.decode()
    wide = re.findall(r'<svg class="chart-wide" .*?</svg>', html, re.S)
    narrow = re.findall(r'<svg class="chart-narrow" .*?</svg>', html, re.S)
    assert len(wide) == len(narrow) >= 2
    for drawn_wide, drawn_narrow in zip(wide, narrow, strict=True):
        assert 'viewBox="0 0 360 ' in drawn_narrow
        assert drawn_wide.count("<rect") == drawn_narrow.count("<rect")
        assert re.findall(r'class="bar-value">([^<]*)<', drawn_wide) == re.findall(
            r'class="bar-value">([^<]*)<', drawn_narrow)
        widths = [int(w) for w in re.findall(r'<rect x="0" y="\d+" width="(\d+)"', drawn_narrow)]
        assert widths and max(widths) == 220 and min(widths) >= 1
    assert 'aria-labelledby="chart-1-n-title chart-1-n-desc"' in narrow[0]


def test_no_compare_chart_puts_two_measures_or_units_on_one_axis(client, catalogue):
    from practices.models import Practice

    charts = 0
    for number in Practice.objects.published().values_list("number", flat=True):
        html = client.get(f"/practices/{number}/compare/").content.decode()
        for svg in re.findall(r"<svg .*?</svg>", html, re.S):
            bars = re.findall(r'<g class="bar" data-measure="([^"]*)" data-unit="([^"]*)">', svg)
            assert bars and len(set(bars)) == 1, (number, set(bars))
            charts += 1
    assert charts > 10


def test_compare_page_measure_switch(client, catalogue):
    html = client.get("/practices/15/compare/?measure=办理时长").content.decode()
    svgs = re.findall(r"<svg .*?</svg>", html, re.S)
    assert svgs and all('data-measure="办理时长"' in svg for svg in svgs)


# -- metrics, places, case reports, about ------------------------------------------------
def test_metrics_explorer(client, catalogue):
    from practices.models import Metric

    largest = Metric.objects.published().filter(normalized_unit="元").order_by("-normalized_value").first()
    html = client.get("/metrics/?unit=元&sort=-value&per_page=10").content.decode()
    assert f"<td>{largest.raw}</td>" in html.split("</tr>")[1]  # the largest figure in 元 heads the table
    assert 'href="/metrics/?sort=-value&amp;per_page=10"' in html  # the unit toggles off


def test_metrics_explorer_counts_every_published_metric_practice_and_case_report(client, catalogue):
    from practices.models import Metric

    published = Metric.objects.published()
    total, reports = published.count(), published.filter(case_report__isnull=False).count()
    assert reports > 100 and total > reports
    assert f"全部量化指标，共 {total} 个" in client.get("/metrics/").content.decode()
    html = client.get("/metrics/?owner=case_report").content.decode()
    assert f"来自案例报道的量化指标，共 {reports} 个" in html and "案例报道：" in html
    assert 'id="facets-heading"' in html and "度量" in html


def test_metrics_explorer_hides_metrics_of_draft_practices_and_reports(client, catalogue):
    from practices.models import CaseReport, Metric, Practice

    report = CaseReport.objects.filter(metrics__isnull=False).distinct().first()
    practice = Practice.objects.filter(entries__metrics__isnull=False).distinct().first()
    before = Metric.objects.published().count()
    CaseReport.objects.filter(pk=report.pk).update(status="draft")
    Practice.objects.filter(pk=practice.pk).update(status="draft")
    hidden = Metric.objects.filter(case_report=report).count() + Metric.objects.filter(entry__practice=practice).count()
    html = client.get("/metrics/?per_page=100").content.decode()
    assert f"全部量化指标，共 {before - hidden} 个" in html
    assert client.get("/api/metrics/").json()["count"] == before - hidden


def test_metrics_explorer_default_order_is_owner_then_position(client, catalogue):
    from practices.filters import MetricFilterSet

    rows = list(MetricFilterSet(QueryDict("")).qs.select_related("entry__practice", "case_report__source"))
    keys = [(0, m.entry.practice.number, m.entry.position, "", 0, m.position) if m.entry_id
            else (1, 0, 0, m.case_report.source.filename, m.case_report.position, m.position) for m in rows]
    assert keys == sorted(keys) and keys[0][0] == 0 and keys[-1][0] == 1


def test_value_sort_is_offered_only_within_one_unit(client, catalogue):
    html = client.get("/metrics/?sort=-value").content.decode()
    assert "按数值排序只能在选定一个标准单位后使用" in html
    assert 'value="-value"' not in html.split('id="id_sort"')[1].split("</select>")[0]
    one_unit = client.get("/metrics/?unit=%25&sort=-value").content.decode()
    assert 'value="-value" selected' in one_unit and "按数值排序只能" not in one_unit


def test_case_report_page_shows_its_metrics(client, catalogue):
    from practices.models import CaseReport

    report = CaseReport.objects.published().filter(metrics__isnull=False).distinct().first()
    html = client.get(report.get_absolute_url()).content.decode()
    table = html.split('id="report-metrics-caption"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + report.metrics.count()
    assert all(f"<td>{metric.raw}</td>" in table for metric in report.metrics.all())


@pytest.mark.parametrize(("url", "texts"), [
    ("/cities/taizhou-zhejiang/", ["<h1>台州市</h1>", "按类别统计", "/practices/?category=rongzi-nanti&amp;city=taizhou-zhejiang"]),
    ("/provinces/zhejiang/", ["<h1>浙江省</h1>", 'href="/cities/wenzhou/"', "/practices/?category=rongzi-nanti&amp;province=zhejiang"]),
    ("/categories/rongzi-nanti/", ["<h1>破解民营企业融资难题</h1>", "按城市统计", "20 项典型做法"]),
])
def test_place_and_category_pages(client, catalogue, url, texts):
    html = client.get(url).content.decode()
    for text in texts:
        assert text in html


def test_place_pages_show_the_first_metrics_and_link_to_the_rest(client, catalogue):
    from practices.models import Metric

    total = Metric.objects.filter(entry__city__slug="taizhou-zhejiang").count()
    html = client.get("/cities/taizhou-zhejiang/").content.decode()
    assert total > 25 and f"，含 {total} 个量化指标。" in html
    assert f"显示前 25 个，共 {total} 个。" in html and 'href="/metrics/?city=taizhou-zhejiang"' in html
    assert html.split('id="metrics-caption"')[1].split("</table>")[0].count("<tr>") == 1 + 25
    explorer = client.get("/metrics/?city=taizhou-zhejiang").content.decode()
    assert f"城市为台州市的量化指标，共 {total} 个" in explorer


def test_case_report_list_and_detail(client, catalogue):
    html = client.get("/case-reports/?province=zhejiang").content.decode()
    assert "省份为浙江省的案例报道，共 2 篇" in html
    detail = client.get(report_url("民企“守望者”聚力助推民营经济发展")).content.decode()
    assert "<h1>民企“守望者”聚力助推民营经济发展</h1>" in detail
    assert "浙江省工商联创新法律服务工作纪实" in detail and "林宏伟" in detail
    assert '<h2 class="subhead">催生第一部民企地方法规</h2>' in detail
    assert "相关典型做法" in detail and "可能相关" in detail
    assert "相似度" not in detail  # raw scores are not for the public


def test_related_practices_say_whether_an_editor_confirmed_them(client, catalogue):
    report = CaseReport.objects.get(title="厦门引金融活水直达小微企业")
    first, second = report.practice_links.order_by("rank")[:2]
    RelatedPractice.objects.filter(pk=first.pk).update(confirmed=True)
    html = client.get(report.get_absolute_url()).content.decode()
    def item(link):
        return re.search(rf'<li><a href="{re.escape(link.practice.get_absolute_url())}">.*?</li>', html, re.S).group(0)

    assert "<strong>相关做法</strong>" in item(first)
    assert "可能相关" in item(second) and "相关做法" not in item(second)
    assert "相似度" not in html
    practice_html = client.get(first.practice.get_absolute_url()).content.decode()
    assert "相关做法" in practice_html and "相似度" not in practice_html


def test_about_page_lists_every_source_and_the_downloads(client, catalogue):
    from practices.models import SourceDocument

    html = client.get("/about/").content.decode()
    for source in SourceDocument.objects.all():
        assert source.filename in html and source.sha256 in html
    for link in ("/practices/export.csv", "/practices/export.xlsx", "/practices/export.json", "/data/release.zip"):
        assert f'href="{link}"' in html
    assert "practices/importer/parsing.py" in html and "引用方式" in html


# -- bad input never gives a 500 -------------------------------------------------------
BAD_INPUT = [
    ("/practices/?category=99", 200, "没有类别“99”（参数 category=99）。没有显示任何结果。"),
    ("/practices/?category=nope", 200, "没有类别“nope”（参数 category=nope）"),
    ("/practices/?city=火星", 200, "没有城市“火星”（参数 city=火星）"),
    ("/practices/?province=atlantis", 200, "没有省份“atlantis”（参数 province=atlantis）"),
    ("/practices/?page=abc", 200, "页码“abc”无效：参数 page 只能是从 1 开始的整数。没有显示任何结果。"),
    ("/practices/?page=0", 200, "页码“0”无效：参数 page 只能是从 1 开始的整数。"),
    ("/practices/?page=-3", 200, "页码“-3”无效"),
    ("/practices/?page=999", 200, "没有第 999 页，已显示最后一页（第 4 页）。"),
    ("/practices/?page=99999999999999999999", 200, "只能是从 1 开始的整数"),
    ("/practices/?per_page=7", 200, "每页条数“7”无效：参数 per_page 只能是 10、20、50、100 之一。没有显示任何结果。"),
    ("/practices/?per_page=<b>", 200, "每页条数“&lt;b&gt;”无效"),
    ("/practices/?sort=<script>", 200, "&lt;script&gt;"),
    ("/practices/?has_metrics=maybe", 200, "（参数 has_metrics=maybe）。没有显示任何结果。"),
    ("/practices/?q=%00", 200, "空字符"),
    ("/practices/?q=" + "融资" * 80, 200, "100"),
    ("/practices/?q=%25_%5C'%22", 200, "共 0 项"),
    ("/practices/?city=%E4", 200, "没有城市"),
    ("/practices/?category=1&category=2", 200, "类别为“破解民营企业融资难题”"),
    ("/practices/0/", 404, ""),
    ("/practices/99999999999999999999/", 404, ""),
    ("/practices/15/compare/?measure=<i>x</i>", 200, "这个做法没有多个城市共有的“&lt;i&gt;x&lt;/i&gt;”指标"),
    ("/practices/99/compare/", 404, ""),
    ("/metrics/?practice=abc", 200, "输入整数"),
    ("/metrics/?practice=1e400", 200, "输入整数"),
    ("/metrics/?unit=" + "元" * 50, 200, "20"),
    ("/metrics/?kind=weight", 200, "weight"),
    ("/metrics/?page=1000", 200, "已显示最后一页"),
    ("/cities/mars/", 404, ""),
    ("/provinces/mars/", 404, ""),
    ("/categories/mars/", 404, ""),
    ("/case-reports/?province=火星", 200, "没有省份“火星”（参数 province=火星）"),
    ("/case-reports/?q=<script>alert(1)</script>", 200, "包含“&lt;script&gt;alert(1)&lt;/script&gt;”的案例报道，共 0 篇"),
    ("/case-reports/999999/", 404, ""),
]


@pytest.mark.parametrize(("url", "status", "message"), BAD_INPUT)
def test_bad_input_gives_a_clear_message_never_a_500(client, catalogue, url, status, message):
    response = client.get(url)
    assert response.status_code == status
    html = response.content.decode()
    assert message in html
    assert "<script>" not in html and "<i>x</i>" not in html and "<b>" not in html


@pytest.mark.parametrize("value", ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>'])
@pytest.mark.parametrize("parameter", ["q", "city", "category", "province", "sort", "page", "per_page", "unit"])
def test_markup_in_any_parameter_is_escaped(client, catalogue, parameter, value):
    for path in ("/practices/", "/metrics/", "/case-reports/"):
        response = client.get(path, {parameter: value})
        assert response.status_code == 200
        html = response.content.decode()
        assert value not in html
        assert "<img src=x" not in html and '<script>alert("x")' not in html


# -- drafts are never public ---------------------------------------------------------
def test_a_draft_practice_appears_nowhere(client, catalogue):
    Practice.objects.filter(number=15).update(status="draft")
    name = "开展政策性转贷"
    for url in ["/", "/practices/", "/practices/?q=转贷", "/practices/?city=qingdao", "/metrics/?practice=15",
                "/metrics/?unit=元&per_page=100", "/cities/qingdao/", "/provinces/shandong/",
                "/categories/rongzi-nanti/", "/practices/14/", "/practices/16/"]:
        html = client.get(url).content.decode()
        assert name not in html, url
        assert 'href="/practices/15/"' not in html, url
    assert client.get("/practices/15/").status_code == 404
    assert client.get("/practices/15/compare/").status_code == 404


def test_a_draft_case_report_appears_nowhere(client, catalogue):
    report = CaseReport.objects.get(title="民企“守望者”聚力助推民营经济发展")
    report.status = "draft"
    report.save()
    assert client.get(report.get_absolute_url()).status_code == 404
    for url in ["/", "/case-reports/", "/provinces/zhejiang/", "/cities/wenzhou/"] + [
        f"/practices/{n}/" for n in report.related_practices.values_list("number", flat=True)
    ]:
        assert report.title not in client.get(url).content.decode(), url


# -- search results with context (issue 14, point 1) ----------------------------------------------
def test_search_hits_show_a_highlighted_excerpt_with_its_city(client, catalogue):
    html = client.get("/practices/", {"q": "融资"}).content.decode()
    excerpts = re.findall(r'<p class="excerpt">(.*?)</p>', html, re.S)
    assert len(excerpts) >= 10
    for excerpt in excerpts:
        assert "<mark>融资</mark>" in excerpt
        assert re.search(r'class="excerpt-place"><a href="/cities/[a-z-]+/">[^<]+市</a>', excerpt)
    # 首发民间融资“温州指数”: the name marked too, and the passage is Wenzhou's.
    assert "首发民间<mark>融资</mark>“温州指数”" in html
    assert '<a href="/cities/wenzhou/">温州市</a>' in html


@pytest.mark.parametrize("path", ["/practices/", "/case-reports/"])
def test_search_excerpts_cost_no_query_per_row(client, catalogue, django_assert_max_num_queries, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path, {"q": "融资", "per_page": 20})  # the cached aggregates (not the page: another per_page)
    counts, pages = [], []
    for size in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            pages.append(client.get(path, {"q": "融资", "per_page": size}).content.decode())
        counts.append(len(queries))
    assert counts[0] == counts[1] <= MAX_QUERIES
    assert 0 < pages[0].count('class="excerpt"') <= pages[1].count('class="excerpt"')
    assert pages[1].count("<mark>") > 8


def test_case_report_search_excerpt_is_the_matching_paragraph(client, catalogue):
    html = client.get("/case-reports/", {"q": "融资"}).content.decode()
    excerpts = re.findall(r'<p class="excerpt">(.*?)</p>', html, re.S)
    assert excerpts and all("<mark>融资</mark>" in excerpt for excerpt in excerpts)


def test_markup_in_the_query_never_reaches_the_page_unescaped(client, catalogue):
    # "<b>融资</b>" searches for 融资 (a lone letter is no search word); the markup itself is only text.
    html = client.get("/practices/", {"q": "<b>融资</b>"}).content.decode()
    assert "<b>融资" not in html
    assert "<mark>融资</mark>" in html
    assert "&lt;b&gt;融资&lt;/b&gt;" in html
    # A query that matches nothing with <script> in it: escaped in the sentence, nothing marked.
    html = client.get("/practices/", {"q": "<script>融资</script>"}).content.decode()
    assert "<script>融资" not in html and "&lt;script&gt;" in html


def test_no_excerpt_without_a_query(client, catalogue):
    html = client.get("/practices/").content.decode()
    assert 'class="excerpt"' not in html and "<mark>" not in html


# -- honest states (issue 14, point 2) ---------------------------------------------------------
UNKNOWN_VALUES = [
    ("/practices/?city=nowhere", "city=nowhere", "没有城市“nowhere”"),
    ("/practices/?category=nosuch", "category=nosuch", "没有类别“nosuch”"),
    ("/practices/?city=nowhere&q=融资&per_page=10", "city=nowhere", "没有城市“nowhere”"),
    ("/case-reports/?city=nosuch", "city=nosuch", "没有城市“nosuch”"),
    ("/metrics/?city=nosuch", "city=nosuch", "没有城市“nosuch”"),
]


@pytest.mark.parametrize(("url", "parameter", "message"), UNKNOWN_VALUES)
def test_an_unknown_filter_value_gives_one_message_and_nothing_else(client, catalogue, url, parameter, message):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    main = html[html.index("<main"):html.index("</main>")]
    assert main.count('class="error"') == 1
    assert f"{message}（参数 {parameter}）" in main
    for absent in ("全部典型做法", "全部案例报道", "全部量化指标", "共 72 项", 'class="pagination"',
                   "下一页", "export.", 'class="downloads"', "没有符合条件", "<ol", 'class="report-cards"',
                   "<table", 'class="facet"'):
        assert absent not in main, absent


def test_the_next_page_link_keeps_every_filter(client, catalogue):
    html = client.get("/practices/", {"province": "zhejiang", "has_metrics": "true", "per_page": 10,
                                      "sort": "-number"}).content.decode()
    following = re.search(r'<a href="([^"]+)" rel="next">', html).group(1)
    query = QueryDict(following.lstrip("?").replace("&amp;", "&"))
    assert query.dict() == {"province": "zhejiang", "has_metrics": "true", "per_page": "10", "sort": "-number",
                            "page": "2"}


def test_a_city_that_reported_nothing_says_so_once_without_empty_sections(client, catalogue):
    html = client.get("/cities/ningbo/").content.decode()
    main = html[html.index("<main"):html.index("</main>")]
    assert "报送了 0 项" not in main
    assert "本市没有报送典型做法" in main
    for empty_section in ("按类别统计", 'id="practices-heading"', 'id="metrics-heading"', ">无<"):
        assert empty_section not in main


def test_empty_values_never_become_facet_links(client, catalogue):
    for path in ("/metrics/", "/metrics/?practice=23", "/practices/23/compare/"):
        html = client.get(path).content.decode()
        assert not re.search(r"<a [^>]*>\s*</a>", html), path
        assert 'unit="' not in html.replace('data-unit="', "")
        assert "?unit=&" not in html and not re.search(r'\?unit="', html)


def test_facets_sit_behind_a_disclosure_for_phones_and_beside_the_list_otherwise(client, catalogue):
    html = client.get("/practices/", {"q": "融资"}).content.decode()
    disclosure = html.index('<details class="facets-disclosure">')
    assert disclosure < html.index('<ol class="practice-list">') < html.index('<aside class="facets"')
    assert "<summary>筛选" in html
    # Ids stay unique although the facets appear twice.
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_download_links_offer_chinese_headers(client, catalogue):
    html = client.get("/practices/", {"city": "wenzhou"}).content.decode()
    assert 'href="/practices/export.csv?city=wenzhou"' in html
    assert 'href="/practices/export.xlsx?city=wenzhou&amp;headers=zh"' in html
    assert "export.json?city=wenzhou&amp;headers=zh" not in html
