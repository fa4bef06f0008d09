"""practices.selectors: search, lookups, facets, the home matrix and the page reads."""
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.db.models import Count
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from practices import selectors
from practices.catalogue_cache import catalogue_revision
from practices.filters import CaseReportFilterSet, PracticeFilterSet
from practices.importer.measures import measure_is_generic
from practices.models import CaseReport, Category, Practice, RelatedPractice
from practices.search import case_report_search, practice_search, query_terms

pytestmark = pytest.mark.django_db


# -- search -----------------------------------------------------------------------
@pytest.mark.parametrize(("q", "terms"), [
    ("融资", ["融资"]),
    ("无还本续贷", ["还本", "续贷", "无还本续贷"]),
    ("台州  融资，担保", ["台州", "融资", "担保"]),
    ("的", ["的"]),
    ("  ，。！ ", []),
    ("<script>alert(1)</script>", ["script", "alert"]),
    ("融资" * 40, ["融资"]),
])
def test_search_terms(q, terms):
    assert query_terms(q) == terms


def test_search_terms_are_capped():
    assert len(query_terms("融资 担保 转贷 续贷 企业 政府 服务 平台 金融 科技 创新")) == 8


def search(q: str) -> list[Practice]:
    return list(practice_search(Practice.objects.published(), q=q).order_by("-search_rank", "number"))


def test_search_finds_two_character_words_in_names_and_paragraphs(catalogue):
    found = {p.number for p in search("融资")}
    in_name = set(Practice.objects.filter(name__contains="融资").values_list("number", flat=True))
    in_text = set(Practice.objects.filter(entries__text__contains="融资").values_list("number", flat=True))
    assert found == in_name | in_text and in_name - in_text is not None and len(found) > len(in_name)


def test_search_finds_a_phrase_jieba_splits(catalogue):
    found = search("无还本续贷")
    assert found[0].number == 14
    assert found[0].name == "推行无还本续贷"


def test_a_name_hit_outranks_a_text_hit(catalogue):
    found = search("融资")
    ranks = {p.number: p.search_rank for p in found}
    name_hits = [n for n in ranks if "融资" in Practice.objects.get(number=n).name]
    text_only = [n for n in ranks if n not in name_hits]
    assert min(ranks[n] for n in name_hits) > min(ranks[n] for n in text_only)
    assert [p.search_rank for p in found] == sorted((p.search_rank for p in found), reverse=True)


def test_every_term_must_match(catalogue):
    both = {p.number for p in search("转贷 续贷")}
    assert both and both <= {p.number for p in search("转贷")} & {p.number for p in search("续贷")}


@pytest.mark.parametrize("q", ["", "   ", "，。", "完全不存在的词组"])
def test_search_without_usable_terms_or_hits_is_empty(catalogue, q):
    assert search(q) == []


def test_search_is_chainable_and_counts_without_duplicates(catalogue):
    queryset = practice_search(Practice.objects.published().in_category(2), q="融资")
    assert queryset.count() == len(set(queryset.values_list("pk", flat=True))) > 0
    assert all(p.category.number == 2 for p in queryset)


def test_case_report_search(catalogue):
    found = list(case_report_search(CaseReport.objects.published(), q="商会").order_by("-search_rank"))
    assert found and all("商会" in r.title + r.subtitle + r.body for r in found)
    assert "商会" in found[0].title


# -- lookups ----------------------------------------------------------------------
@pytest.mark.parametrize(("lookup", "value", "expected"), [
    (selectors.category_lookup, "7", "zuzhi-baozhang"),
    (selectors.category_lookup, "构建亲清政商关系", "zhengshang-guanxi"),
    (selectors.category_lookup, "0", None),
    (selectors.category_lookup, "9" * 30, None),
    (selectors.city_lookup, "qingdao", "qingdao"),
    (selectors.city_lookup, "青岛", "qingdao"),
    (selectors.city_lookup, "青岛市", "qingdao"),
    (selectors.city_lookup, "Qingdao", "qingdao"),
    (selectors.city_lookup, "市", None),
    (selectors.city_lookup, "", None),
    (selectors.province_lookup, "浙江", "zhejiang"),
    (selectors.province_lookup, "山东", "shandong"),
    (selectors.province_lookup, "江苏省", "jiangsu"),
    (selectors.province_lookup, "火星", None),
])
def test_lookups(catalogue, lookup, value, expected):
    found = lookup(value)
    assert (found.slug if found else None) == expected


@pytest.mark.parametrize(("language", "expected"), [("zh-hans", "台州市"), ("en", "Taizhou")])
def test_place_label_is_pinyin_in_english(catalogue, language, expected):
    with translation.override(language):
        assert selectors.place_label(selectors.city_lookup("taizhou-zhejiang")) == expected


# -- facets and the description ---------------------------------------------------------
@pytest.mark.parametrize("query", ["", "category=2", "category=2&city=台州&q=融资", "province=zhejiang&has_metrics=true"])
def test_every_facet_count_is_the_count_its_toggle_leads_to(catalogue, query):
    params = QueryDict(query)
    facets = selectors.practice_facets(filterset=PracticeFilterSet(params), params=params, path="/practices/")
    assert set(facets) == {"category", "city", "province"}
    for items in facets.values():
        assert items
        for item in items:
            assert set(item) == {"value", "label", "count", "toggle_url", "selected"}
            url = urlsplit(item["toggle_url"])
            assert url.path == "/practices/"
            target = QueryDict(url.query)
            if not item["selected"]:
                assert PracticeFilterSet(target).qs.count() == item["count"]


def test_a_selected_facet_toggles_off_and_keeps_the_other_filters(catalogue):
    params = QueryDict("category=2&city=taizhou-zhejiang&page=3")
    facets = selectors.practice_facets(filterset=PracticeFilterSet(params), params=params, path="/practices/")
    selected = [item for item in facets["city"] if item["selected"]]
    assert [item["label"] for item in selected] == ["台州市"]
    assert selected[0]["toggle_url"] == "/practices/?category=2"


def test_a_selected_value_with_no_results_stays_listed(catalogue):
    params = QueryDict("city=qingdao&q=温州指数")
    facets = selectors.practice_facets(filterset=PracticeFilterSet(params), params=params)
    assert [(i["value"], i["count"], i["selected"]) for i in facets["city"] if i["selected"]] == [("qingdao", 0, True)]


def test_case_report_facets(catalogue):
    params = QueryDict("province=zhejiang")
    facets = selectors.case_report_facets(filterset=CaseReportFilterSet(params), params=params)
    zhejiang = [i for i in facets["province"] if i["value"] == "zhejiang"]
    assert zhejiang[0]["selected"] and zhejiang[0]["count"] == CaseReport.objects.filter(province__slug="zhejiang").count()


@pytest.mark.parametrize(("query", "language", "expected"), [
    ("", "zh-hans", "全部典型做法，共 {n} 项"),
    ("category=2&city=台州&q=融资", "zh-hans", "类别为“破解民营企业融资难题”、城市为台州市、包含“融资”的典型做法，共 {n} 项"),
    ("province=zhejiang&has_metrics=false", "zh-hans", "省份为浙江省、无量化指标的典型做法，共 {n} 项"),
    ("city=台州&q=融资", "en", "Practices from Taizhou, containing “融资”: {n}"),
])
def test_filter_description(catalogue, query, language, expected):
    filterset = PracticeFilterSet(QueryDict(query))
    count = filterset.qs.count()
    with translation.override(language):
        text = selectors.practice_filter_description(filterset=filterset, count=count)
    assert text == expected.format(n=count)


@pytest.mark.parametrize(("query", "expected"), [
    ("", "全部量化指标，共 {n} 个"),
    ("city=青岛&unit=元&kind=money&practice=15", "城市为青岛市、单位为“元”、类型为“金额”、属于第 15 项典型做法的量化指标，共 {n} 个"),
])
def test_metric_filter_description(catalogue, query, expected):
    from practices.filters import MetricFilterSet

    filterset = MetricFilterSet(QueryDict(query))
    count = filterset.qs.count()
    assert count and selectors.metric_filter_description(filterset=filterset, count=count) == expected.format(n=count)


# -- home ----------------------------------------------------------------------
def test_category_city_matrix_counts_link_to_the_same_count(catalogue):
    matrix = selectors.category_city_matrix()
    assert len(matrix["rows"]) == 7 and len(matrix["cities"]) == 8
    assert sum(row["total"] for row in matrix["rows"]) == 72
    cell = next(c for row in matrix["rows"] if row["category"].number == 2 for c in row["cells"]
                if c["city"].slug == "taizhou-zhejiang")
    assert cell["url"] == "/practices/?category=rongzi-nanti&city=taizhou-zhejiang"
    assert PracticeFilterSet(QueryDict(cell["url"].split("?")[1])).qs.count() == cell["count"] == 9
    empty = [c for row in matrix["rows"] for c in row["cells"] if c["count"] == 0]
    assert empty and all(c["url"] is None for c in empty)


def test_totals_count_published_records_only(catalogue):
    before = selectors.catalogue_totals()
    assert before["practices"] == 72 and before["categories"] == 7 and before["cities"] == 8
    assert before["case_reports"] == CaseReport.objects.published().count() > 0
    practice = Practice.objects.get(number=1)
    practice.status = "draft"
    practice.save()  # the save replaces the catalogue's revision: the cached totals are not reused
    assert selectors.catalogue_totals()["practices"] == 71


def test_cached_totals_follow_a_bulk_write_at_once(catalogue):
    assert selectors.catalogue_totals()["practices"] == 72
    # update() sends no signal: the database's revision triggers (migration 0009) retire the cache.
    Practice.objects.filter(number__in=[1, 2]).update(status="draft")
    assert selectors.catalogue_totals()["practices"] == 70


# -- practice page -------------------------------------------------------------------
def test_neighbours_skip_drafts(catalogue):
    Practice.objects.filter(number__in=[14, 16]).update(status="draft")
    previous, following = selectors.practice_neighbours(practice=Practice.objects.get(number=15))
    assert (previous.number, following.number) == (13, 17)
    first = selectors.practice_neighbours(practice=Practice.objects.get(number=1))
    assert first[0] is None


def test_related_case_reports_confirmed_first_rejected_and_drafts_hidden(catalogue):
    practice = Practice.objects.annotate(n=Count("case_report_links")).order_by("-n", "number").first()
    links = list(RelatedPractice.objects.filter(practice=practice))
    assert len(links) >= 3
    low, middle, high = sorted(links, key=lambda item: item.score)[:3]
    low.confirmed = True
    low.save()
    middle.confirmed = False
    middle.save()
    CaseReport.objects.filter(pk=high.case_report_id).update(status="draft")
    shown = selectors.practice_case_reports(practice=practice)
    assert shown[0].pk == low.pk
    assert middle.pk not in {item.pk for item in shown} and high.pk not in {item.pk for item in shown}


def test_a_practice_without_case_reports_skips_their_query_in_a_request_until_one_is_linked(catalogue):
    from practices.revision_memo import request_revision_scope

    linked = set(RelatedPractice.objects.values_list("practice_id", flat=True))
    alone = Practice.objects.exclude(pk__in=linked).order_by("number").first()
    report = CaseReport.objects.published().first()
    linked_practice = Practice.objects.get(pk=min(linked))
    with request_revision_scope(catalogue_revision()):
        assert selectors.practice_case_reports(practice=alone) == []  # reads the linked practices once
        with CaptureQueriesContext(connection) as queries:
            assert selectors.practice_case_reports(practice=alone) == []
            assert selectors.practice_case_reports(practice=linked_practice)
    # No query for the practice without links; one for the linked practice's links.
    assert len(queries.captured_queries) == 1
    RelatedPractice.objects.create(case_report=report, practice=alone, score=Decimal("0.5"), rank=9)
    # The link changed the revision: the request that reads it sees the link.
    with request_revision_scope(catalogue_revision()):
        assert [link.case_report for link in selectors.practice_case_reports(practice=alone)] == [report]
    # Outside a request nothing is remembered: the links are read every time.
    RelatedPractice.objects.filter(practice=alone).update(confirmed=False)
    assert selectors.practice_case_reports(practice=alone) == []


def test_comparison_of_practice_15_charts_days_for_two_cities_and_tables_the_rest(catalogue):
    practice = selectors.practice_detail(number=15)
    comparison = selectors.practice_comparison(practice=practice)
    days = next(chart for chart in comparison["charts"] if chart["unit"] == "天")
    assert days["measure"] == "办理时长" and days["cities"] == 2
    assert [group["city"].name for group in days["groups"]] == ["青岛市", "常州市"]
    assert days["max"] == Decimal(15)
    # 佛山's 工作日 are a different unit from 天: tabled, not drawn on the 天 axis.
    assert any(row["metric"].normalized_unit == "工作日" for row in comparison["others"])
    shown = [m for c in comparison["charts"] for g in c["groups"] for m in g["metrics"]]
    shown += [row["metric"] for row in comparison["others"]]
    every = [m for entry in practice.entries.all() for m in entry.metrics.all()]
    assert sorted(m.pk for m in shown) == sorted(m.pk for m in every)


def test_every_comparison_chart_has_one_measure_and_unit_and_two_cities(catalogue):
    charted = 0
    for number in Practice.objects.published().values_list("number", flat=True):
        comparison = selectors.practice_comparison(practice=selectors.practice_detail(number=number))
        for chart in comparison["charts"]:
            metrics = [m for group in chart["groups"] for m in group["metrics"]]
            assert {(m.measure, m.normalized_unit) for m in metrics} == {(chart["measure"], chart["unit"])}
            assert len({group["city"].pk for group in chart["groups"]}) == chart["cities"] >= 2
            assert not measure_is_generic(chart["measure"])  # never "个数" of departments next to records
            charted += len(metrics)
        for row in comparison["others"]:
            keys = {(c["measure"], c["unit"]) for c in comparison["charts"]}
            assert (row["metric"].measure, row["metric"].normalized_unit) not in keys
    assert charted > 40


def test_comparison_of_one_measure(catalogue):
    practice = selectors.practice_detail(number=15)
    only = selectors.practice_comparison(practice=practice, measure="办理时长")
    assert only["measure_found"] and {c["measure"] for c in only["charts"]} == {"办理时长"}
    unknown = selectors.practice_comparison(practice=practice, measure="<x>")
    assert not unknown["measure_found"] and unknown["charts"]


# -- places, case reports, sources ------------------------------------------------------------
def test_city_overview_counts_by_category_add_up(catalogue):
    overview = selectors.city_overview(slug="qingdao")
    assert sum(row["count"] for row in overview["by_category"]) == len(overview["practices"]) == 14
    assert overview["practice_count"] == 14
    assert all(m.entry.city.slug == "qingdao" for m in overview["metrics"])


def test_category_overview_by_city(catalogue, monkeypatch):
    overview = selectors.category_overview(slug="rongzi-nanti")
    assert len(overview["practices"]) == 20
    assert sum(row["count"] for row in overview["by_city"]) == sum(p.entries.count() for p in overview["practices"])
    assert overview["city_total"] == len(overview["by_city"]) == 7
    from practices.selectors import places

    monkeypatch.setattr(places, "CITIES_SHOWN", 3)
    top = selectors.category_overview(slug="rongzi-nanti")
    assert top["by_city"] == overview["by_city"][:3] and top["city_total"] == 7


@pytest.mark.parametrize(("page", "param"), [("/cities/qingdao/", "city=qingdao"),
                                             ("/provinces/zhejiang/", "province=zhejiang"),
                                             ("/categories/rongzi-nanti/", "category=rongzi-nanti")])
def test_a_place_or_category_page_lists_the_first_practices_and_counts_them_all(
        client, catalogue, monkeypatch, django_assert_max_num_queries, page, param):
    """At 100k a category holds ~14,000 practices: its page shows the first few, the count and counts by
    category or city stay whole, and a link leads to the rest."""
    from practices.selectors import places

    whole = client.get(page).content.decode()
    monkeypatch.setattr(places, "PRACTICES_SHOWN", 3)
    with django_assert_max_num_queries(12):
        short = client.get(page).content.decode()
    lead = whole[whole.index('<p class="lead">'):whole.index("</p>", whole.index('<p class="lead">'))]
    assert lead in short  # the same count of practices
    listed = short[short.index('<ol class="practice-list">'):]
    assert listed[:listed.index("</ol>")].count("<li value=") == 3
    assert whole.count("<li value=") > short.count("<li value=")
    assert f'href="/practices/?{param}">在列表中查看全部</a>' in short
    assert "在列表中查看全部" not in whole
    counts = whole[whole.index('id="by-'):]
    assert counts[:counts.index("</ul>")] in short
    if page == "/cities/qingdao/":
        assert 'class="report-list"' not in whole  # no report mentions Qingdao
        return
    monkeypatch.setattr(places, "CASE_REPORTS_SHOWN", 1)
    reports = client.get(page).content.decode()
    listed = reports[reports.index('class="report-list"'):]
    assert listed[:listed.index("</ul>")].count("<li") == 1
    assert f'href="/case-reports/?{param}">在列表中查看全部</a>' in reports


def test_case_report_paragraphs_mark_short_subheadings():
    report = CaseReport(body="导语第一段，内容较长。\n\n催生第一部民企地方法规\n\n正文。")
    assert selectors.case_report_paragraphs(report=report) == [
        {"text": "导语第一段，内容较长。", "heading": False},
        {"text": "催生第一部民企地方法规", "heading": True},
        {"text": "正文。", "heading": False},
    ]


def test_source_list_says_what_parsed_each_source(catalogue):
    sources = {s.filename: s for s in selectors.source_list()}
    assert sources["003_0afe494a00c202ac.txt"].parsed_by == "practices/importer/parsing.py"
    assert sources["003_0afe494a00c202ac.txt"].practice_count == 72
    assert sum(s.case_report_count for s in sources.values()) == CaseReport.objects.published().count() == 14
    assert sources["003_0afe494a00c202ac.txt"].case_report_count == 0
    assert sources["002_8e4d4544b0229087.txt"].parsed_by.endswith("fixtures/manifests/002_8e4d4544b0229087.toml")
    assert all(len(s.sha256) == 64 for s in sources.values())


def test_facets_can_be_limited_but_keep_the_selected_value(catalogue):
    from django.http import QueryDict

    from practices.filters import PracticeFilterSet

    every = selectors.practice_facets(filterset=PracticeFilterSet(QueryDict()), params=QueryDict())["city"]
    assert len(every) == 8
    smallest = every[-1]["value"]  # cities are by count, largest first
    params = QueryDict(f"city={smallest}")
    limited = selectors.practice_facets(filterset=PracticeFilterSet(params), params=params, limit=2)["city"]
    assert [item["value"] for item in limited[:2]] == [item["value"] for item in every[:2]]
    assert [item["value"] for item in limited if item["selected"]] == [smallest]
    assert len(limited) == 3


# -- metric facets ----------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["", "owner=case_report", "unit=元", "measure=企业数&owner=practice"])
def test_every_metric_facet_count_is_the_count_its_toggle_leads_to(catalogue, query):
    from practices.filters import MetricFilterSet
    from practices.lists import METRICS

    filterset = MetricFilterSet(QueryDict(query))
    facets = METRICS.facets(filterset=filterset, params=QueryDict(query), path="/metrics/")
    assert set(facets) == {"owner", "measure", "unit"} and facets["measure"] and facets["owner"]
    for name, items in facets.items():
        for facet in items[:6]:
            assert set(facet) == {"value", "label", "count", "toggle_url", "selected"}
            if facet["selected"]:
                continue
            target = MetricFilterSet(QueryDict(urlsplit(facet["toggle_url"]).query))
            assert target.qs.count() == facet["count"], (name, facet["value"])


def test_measure_facet_counts_add_up_to_the_list(catalogue):
    from practices.filters import MetricFilterSet

    filterset = MetricFilterSet(QueryDict(""))
    summary = selectors.metric_list_summary(filterset=filterset)
    assert sum(count for _, count in summary["measures"]) == summary["count"] == filterset.qs.count()
    assert all(measure for measure, _ in summary["measures"])
    assert summary["owners"]["practice"] + summary["owners"]["case_report"] == summary["count"]
    assert summary["owners"]["case_report"] > 100


@pytest.mark.parametrize("query", ["", "page=3", "city=wenzhou", "q=融资&page=2&city=wenzhou&sort=-number",
                                   "province=zhejiang&province=fujian", "q=a+b%26c&category=2"])
@pytest.mark.parametrize("value", [None, "", "taizhou-zhejiang", "融资 & 贷款"])
@pytest.mark.parametrize("path", ["", "/practices/"])
def test_a_facets_link_maker_gives_query_urls_links(query, value, path):
    """query_url_maker encodes the other parameters once; every link equals query_url's."""
    from django.http import QueryDict

    from practices.selectors.facets import query_url, query_url_maker

    params = QueryDict(query)
    assert query_url_maker(params, path=path, name="city")(value) == query_url(params, path=path, city=value)


def test_a_place_pages_counts_follow_every_write(catalogue):
    from practices.models import Metric
    from practices.selectors.places import METRICS_SHOWN, PRACTICES_SHOWN, city_overview

    before = city_overview(slug="taizhou-zhejiang")
    assert before["metric_count"] > METRICS_SHOWN  # the count is the stored one, not the shown list's length
    assert before["practice_count"] == len(before["practices"]) < PRACTICES_SHOWN
    Metric.objects.filter(pk=before["metrics"][0].pk).delete()
    shown = before["practices"][0]
    Practice.objects.filter(pk=shown.pk).update(status="draft")
    after = city_overview(slug="taizhou-zhejiang")
    assert after["metric_count"] < before["metric_count"]
    assert after["practice_count"] == before["practice_count"] - 1 and shown not in after["practices"]


def test_stored_metric_counts_equal_each_place_and_categorys_own_count(catalogue):
    from practices.models import Metric, Status
    from practices.selectors.places import metric_counts

    Practice.objects.filter(number=23).update(status="draft")  # its metrics leave every count
    published = Metric.objects.filter(entry__practice__status=Status.PUBLISHED)
    for kind, lookup in (("cities", "entry__city"), ("provinces", "entry__city__province"),
                         ("categories", "entry__practice__category")):
        expected = dict(published.order_by().values_list(lookup).annotate(n=Count("pk")))
        assert dict(metric_counts()[kind]) == expected
        assert len(expected) > 1


def test_a_city_page_counts_as_a_query_over_its_practices_would(catalogue):
    from practices.models import City, Status

    Practice.objects.filter(number__in=[14, 23]).update(status="draft")
    for city in City.objects.filter(entries__isnull=False).distinct():
        overview = selectors.city_overview(slug=city.slug)
        practices = Practice.objects.filter(status=Status.PUBLISHED, entries__city=city)
        assert overview["by_category"] == selectors.counts_by_category(
            practices=practices, categories=list(Category.objects.all()), city=city.slug)
        assert overview["practice_count"] == practices.count()
        assert [p.number for p in overview["practices"]] == sorted(p.number for p in practices)[:50]
