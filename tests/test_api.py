"""The read-only JSON API (/api/…): shapes, shared filters, query bounds, bad input, drafts."""
from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practices.fixture_export import FIXTURE_MODELS

pytestmark = pytest.mark.django_db

CITY_KEYS = {"name", "slug", "province"}
CATEGORY_KEYS = {"number", "name", "slug"}


def report_api_url(report) -> str:
    """A case report's API address: its natural key, ``<source slug>/<position>``."""
    return f"/api/case-reports/{report.source.slug}/{report.position}/"


def get_json(client, path, params=None, status=200):
    url = path + ("?" + urlencode(params) if params else "")
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.content[:300])
    # Data as JSON, errors as RFC 9457 problem documents.
    assert response["Content-Type"].startswith("application/json" if status < 400 else "application/problem+json")
    return response.json()


def html_count(client, path, params) -> int:
    """The count the HTML list page states ("…共 N 项/篇")."""
    html = client.get(path + "?" + urlencode(params)).content.decode()
    description = re.search(r'class="description"[^>]*>([^<]*)<', html)
    assert description, html[:500]
    return int(re.search(r"共 (\d+) [项篇]", description.group(1)).group(1))


# -- shapes ------------------------------------------------------------------
def test_practice_list_has_the_documented_shape(client, catalogue):
    data = get_json(client, "/api/practices/", {"page_size": 5})
    assert {"count", "next", "previous", "results", "description", "facets"} <= set(data)
    assert data["count"] == 72
    assert data["previous"] is None and "page=2" in data["next"]
    assert len(data["results"]) == 5
    first = data["results"][0]
    assert set(first) == {"number", "name", "category", "cities", "url"}
    assert first["number"] == 1 and first["name"] == "推进企业开办智能化、极简化"
    assert set(first["category"]) == CATEGORY_KEYS and first["category"]["number"] == 1
    assert [city["name"] for city in first["cities"]] == ["青岛市", "江阴市", "佛山市"]
    assert all(set(city) == CITY_KEYS for city in first["cities"])
    assert first["cities"][0] == {"name": "青岛市", "slug": "qingdao", "province": "山东省"}
    assert first["url"] == "http://testserver/practices/1/"
    assert client.get(first["url"]).status_code == 200


def test_practice_detail_adds_entries_and_metrics(client, catalogue):
    data = get_json(client, "/api/practices/1/")
    assert set(data) == {"number", "name", "category", "cities", "url", "entries", "metrics"}
    assert [entry["city"]["slug"] for entry in data["entries"]] == ["qingdao", "jiangyin", "foshan"]
    assert all(set(entry) == {"city", "text"} and entry["text"] for entry in data["entries"])
    assert data["entries"][0]["text"].startswith("研发“青易办”")
    assert data["metrics"], "practice 1 reports durations such as 0.5天"
    metric = data["metrics"][0]
    assert {"city", "position", "raw", "value", "unit", "normalized_value", "normalized_unit", "kind",
            "sentence"} <= set(metric)
    assert "id" not in metric  # auto-increment ids are not part of the API (see test_api_output_…_auto_ids)
    assert metric["raw"] in metric["sentence"]
    assert set(metric["city"]) == CITY_KEYS
    # city + position identify a metric within its practice; listed in source order.
    keys = [(item["city"]["slug"], item["position"]) for item in data["metrics"]]
    cities = [entry["city"]["slug"] for entry in data["entries"]]
    assert keys == sorted(set(keys), key=lambda key: (cities.index(key[0]), key[1]))


def test_facets_are_plain_data_with_absolute_toggle_urls(client, catalogue):
    data = get_json(client, "/api/practices/", {"city": "qingdao"})
    assert set(data["facets"]) == {"category", "city", "province"}
    selected = [facet for facet in data["facets"]["city"] if facet["selected"]]
    assert [facet["value"] for facet in selected] == ["qingdao"]
    facet = selected[0]
    assert set(facet) == {"value", "label", "count", "toggle_url", "selected"}
    assert facet["count"] == data["count"]
    assert facet["toggle_url"].startswith("http://testserver/api/practices/")
    # Following a category facet gives exactly the count it announced.
    category = data["facets"]["category"][0]
    followed = client.get(category["toggle_url"]).json()
    assert followed["count"] == category["count"]
    assert data["description"].endswith(f"共 {data['count']} 项")


@pytest.mark.parametrize(
    ("path", "key", "expected"),
    [
        ("/api/categories/", "rongzi-nanti", {"number": 2, "name": "破解民营企业融资难题", "slug": "rongzi-nanti"}),
        ("/api/categories/", "2", {"number": 2, "slug": "rongzi-nanti"}),
        ("/api/provinces/", "shandong", {"name": "山东省", "slug": "shandong"}),
        ("/api/cities/", "taizhou-zhejiang", {"name": "台州市", "slug": "taizhou-zhejiang", "province": "浙江省"}),
        ("/api/practices/", "72", {"number": 72}),
    ],
)
def test_detail_by_natural_identifier(client, catalogue, path, key, expected):
    data = get_json(client, f"{path}{key}/")
    assert expected.items() <= data.items()
    assert data["url"].startswith("http://testserver/")


def test_reference_lists(client, catalogue):
    categories = get_json(client, "/api/categories/")
    assert categories["count"] == 7
    assert sum(item["practice_count"] for item in categories["results"]) == 72
    cities = get_json(client, "/api/cities/", {"page_size": 100})["results"]
    qingdao = next(city for city in cities if city["slug"] == "qingdao")
    assert qingdao["practice_count"] == get_json(client, "/api/practices/", {"city": "qingdao"})["count"]
    assert qingdao["province_slug"] == "shandong"
    provinces = get_json(client, "/api/provinces/", {"page_size": 100})["results"]
    zhejiang = next(province for province in provinces if province["slug"] == "zhejiang")
    assert {"wenzhou", "taizhou-zhejiang"} <= {city["slug"] for city in zhejiang["cities"]}


def test_case_report_list_and_detail(client, catalogue):
    from practices.models import CaseReport

    data = get_json(client, "/api/case-reports/", {"page_size": 100})
    assert data["count"] == CaseReport.objects.published().count() == 14
    item = data["results"][0]
    assert set(item) == {"source", "position", "title", "subtitle", "kicker", "byline", "province", "cities",
                         "categories", "published_at", "url"}
    assert set(item["province"]) == {"name", "slug"}
    # source + position identify a case report (its natural key), listed in that order.
    keys = [(report["source"]["filename"], report["position"]) for report in data["results"]]
    assert keys == sorted(set(keys))
    assert keys[0] == (item["source"]["filename"], 1)
    # The detail route takes the natural key: the source's slug and the position.
    report = CaseReport.objects.get_by_natural_key(*keys[0])
    detail = get_json(client, report_api_url(report))
    assert detail["body"] and detail["title"] == item["title"] == report.title
    assert (detail["source"], detail["position"]) == (item["source"], item["position"])
    assert {"related_practices", "metrics", "source_spans"} <= set(detail)
    for link in detail["related_practices"]:
        assert set(link) == {"number", "name", "score", "confirmed", "url"}
    with_metrics = CaseReport.objects.published().filter(metrics__isnull=False).distinct().first()
    metrics = get_json(client, report_api_url(with_metrics))["metrics"]
    assert metrics and all("id" not in metric for metric in metrics)
    assert [metric["position"] for metric in metrics] == sorted(with_metrics.metrics.values_list("position", flat=True))


def test_metric_list_and_detail(client, catalogue):
    from practices.models import Metric

    data = get_json(client, "/api/metrics/", {"practice": 1})
    assert data["count"] == Metric.objects.filter(entry__practice__number=1).count() > 0
    metric = data["results"][0]
    assert metric["practice"]["number"] == 1 and set(metric["category"]) == CATEGORY_KEYS
    assert "id" not in metric
    # practice + city + position identify a metric; the detail route takes its id, looked up by that key.
    keys = [(item["practice"]["number"], item["city"]["slug"], item["position"]) for item in data["results"]]
    assert len(set(keys)) == len(keys) == data["count"]
    pk = Metric.objects.get_by_natural_key("entry", *keys[0]).pk
    assert get_json(client, f"/api/metrics/{pk}/") == metric
    assert "unit" in data["facets"]


def test_every_metric_has_a_unique_business_key(client, catalogue):
    from practices.models import Metric

    keys = []
    for page in range(1, 20):
        data = get_json(client, "/api/metrics/", {"page_size": 100, "sort": "practice", "page": page})
        for item in data["results"]:
            if item["owner"] == "practice":
                assert item["case_report"] is None
                keys.append(("practice", item["practice"]["number"], item["city"]["slug"], item["position"]))
            else:
                assert item["owner"] == "case_report" and item["practice"] is None and item["city"] is None
                keys.append(("case_report", item["case_report"]["source"], item["case_report"]["position"],
                             item["position"]))
            assert item["measure"]
        if data["next"] is None:
            break
    published = Metric.objects.published()
    assert len(keys) == len(set(keys)) == data["count"] == published.count()
    assert sum(key[0] == "case_report" for key in keys) == published.filter(case_report__isnull=False).count() > 100


def test_metric_api_filters_by_owner_and_measure(client, catalogue):
    from practices.models import Metric

    reports = get_json(client, "/api/metrics/", {"owner": "case_report", "page_size": 100})
    assert reports["count"] == Metric.objects.published().filter(case_report__isnull=False).count()
    assert {item["owner"] for item in reports["results"]} == {"case_report"}
    assert {"owner", "measure", "unit"} <= set(reports["facets"])
    firms = get_json(client, "/api/metrics/", {"measure": "企业数"})
    assert firms["count"] and {item["measure"] for item in firms["results"]} == {"企业数"}


def test_page_size_is_bounded(client, catalogue):
    data = get_json(client, "/api/metrics/", {"page_size": 100})
    assert data["count"] > 100
    assert len(data["results"]) == 100
    assert len(get_json(client, "/api/practices/", {"page_size": 7})["results"]) == 7
    # Over the maximum is refused, not silently capped: the client would miss rows it thinks it asked for.
    problem = get_json(client, "/api/metrics/", {"page_size": 101}, status=400)
    assert problem["invalid_params"][0]["name"] == "page_size" and "100" in problem["invalid_params"][0]["reason"]


# -- the same filters as the pages -----------------------------------------
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"city": "qingdao"},
        {"city": "青岛"},
        {"city": "台州市"},
        {"category": "2"},
        {"category": "rongzi-nanti"},
        {"province": "zhejiang"},
        {"province": "浙江省", "category": "1"},
        {"has_metrics": "true"},
        {"has_metrics": "false"},
        {"q": "融资"},
        {"q": "融资", "city": "wenzhou"},
        {"sort": "-cities"},
        {"city": "chengdu", "sort": "name"},
    ],
)
def test_practice_filters_match_the_html_list(client, catalogue, params):
    data = get_json(client, "/api/practices/", {**params, "page_size": 100})
    assert data["count"] == html_count(client, "/practices/", params)
    assert len(data["results"]) == data["count"]


@pytest.mark.parametrize(
    "params",
    [{}, {"province": "zhejiang"}, {"province": "福建省"}, {"category": "2"}, {"q": "商会"}, {"city": "wenzhou"}],
)
def test_case_report_filters_match_the_html_list(client, catalogue, params):
    data = get_json(client, "/api/case-reports/", params)
    assert data["count"] == html_count(client, "/case-reports/", params)


def test_filters_actually_filter(client, catalogue):
    counts = {
        name: get_json(client, "/api/practices/", params)["count"]
        for name, params in {
            "all": {}, "qingdao": {"city": "qingdao"}, "cat2": {"category": "2"}, "q": {"q": "融资"},
        }.items()
    }
    assert counts["all"] == 72
    assert 0 < counts["qingdao"] < 72 and 0 < counts["cat2"] < 72 and 0 < counts["q"] < 72
    first = get_json(client, "/api/practices/", {"sort": "-number"})["results"][0]
    assert first["number"] == 72


# -- bounded queries ------------------------------------------------------------
# Each limit counts one read of the catalogue revision by the page cache (practices/page_cache.py);
# a page it has stored costs that one query only.
@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/api/practices/", 9),
        ("/api/practices/?city=qingdao&q=融资", 11),
        ("/api/case-reports/", 9),
        ("/api/metrics/", 6),
        ("/api/categories/", 4),
        ("/api/provinces/", 4),
        ("/api/cities/", 4),
    ],
)
def test_list_queries_are_bounded_whatever_the_page_size(client, catalogue, django_assert_max_num_queries,
                                                          path, limit):
    separator = "&" if "?" in path else "?"
    client.get(f"{path}{separator}page_size=1")  # the first request computes the cached counts and facets
    counts = []
    for size in (1, 100):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{path}{separator}page_size={size}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], "the number of queries must not grow with the page size"
    with django_assert_max_num_queries(limit):
        client.get(f"{path}{separator}page_size=100")


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/api/practices/1/", 4),
        ("/api/case-reports/004/1/", 6),
        ("/api/metrics/1/", 2),
        ("/api/categories/rongzi-nanti/", 2),
        ("/api/provinces/zhejiang/", 3),
        ("/api/cities/qingdao/", 2),
    ],
)
def test_detail_queries_are_bounded(client, catalogue, django_assert_max_num_queries, path, limit):
    with django_assert_max_num_queries(limit):
        assert client.get(path).status_code == 200


# -- bad input never gives a 500 -------------------------------------------
@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/api/practices/?category=nope", 400, "nope"),
        ("/api/practices/?category=99", 400, "99"),
        ("/api/practices/?city=atlantis", 400, "atlantis"),
        ("/api/practices/?province=%3Cb%3Ex%3C%2Fb%3E", 400, "<b>x</b>"),
        # Strict booleans: an unreadable value is refused, never read as "either".
        ("/api/practices/?has_metrics=maybe", 400, "has_metrics"),
        ("/api/practices/?sort=bad", 400, "sort"),
        ("/api/practices/?q=" + "很" * 500, 400, "q"),
        ("/api/practices/?q=%00", 400, "q"),
        ("/api/practices/?city=%00", 400, "city"),
        ("/api/practices/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", 200, "<script>alert(1)</script>"),
        ("/api/practices/?q=%27%3B%20DROP%20TABLE%20practices--", 200, "DROP TABLE"),
        ("/api/practices/?q=%25%25%5F%5C", 200, "共 0 项"),
        ("/api/practices/?page=0", 400, "page"),
        ("/api/practices/?page=abc", 400, "page"),
        ("/api/practices/?page=999", 404, "没有第 999 页：共 4 页。"),
        ("/api/practices/?page=%00", 400, "page"),
        ("/api/practices/?page=99999999999999999999999", 400, "page"),
        ("/api/practices/?page=last", 400, "page"),
        ("/api/practices/?page_size=-5", 400, "page_size"),
        ("/api/practices/?page_size=0", 400, "page_size"),
        ("/api/practices/?page_size=abc", 400, "page_size"),
        ("/api/practices/?page_size=%F0%9F%92%A3", 400, "page_size"),
        ("/api/practices/?lang=fr", 400, "lang"),
        ("/api/practices/1/?lang=fr", 400, "lang"),
        ("/api/practices/abc/", 404, "detail"),
        ("/api/practices/0/", 404, "detail"),
        ("/api/practices/99999999999999999999999/", 404, "detail"),
        ("/api/practices/%E9%9D%92/", 404, "detail"),
        ("/api/categories/99999999999999999999999/", 404, "detail"),
        ("/api/categories/%3Cscript%3E/", 404, "detail"),
        ("/api/cities/atlantis/", 404, "detail"),
        ("/api/provinces/%00/", 404, "detail"),
        ("/api/cities/qing%00dao/", 404, "detail"),
        ("/api/categories/%00/", 404, "detail"),
        ("/api/practices/%00/", 404, "detail"),
        ("/api/case-reports/%00/", 404, "detail"),
        ("/api/metrics/?unit=%00", 400, "unit"),
        ("/api/case-reports/?q=%00", 400, "q"),
        ("/api/case-reports/99999999999999999999999/", 404, "detail"),
        ("/api/case-reports/004/99999999999999999999999/", 404, "detail"),
        ("/api/case-reports/004/999/", 404, "detail"),
        ("/api/case-reports/nosuch/1/", 404, "detail"),
        ("/api/case-reports/?province=nowhere", 400, "nowhere"),
        ("/api/case-reports/?category=%27", 400, "category"),
        ("/api/metrics/?practice=abc", 400, "practice"),
        ("/api/metrics/?practice=1e400", 400, "practice"),
        ("/api/metrics/?practice=99999999999999999999999", 400, "practice"),
        ("/api/metrics/?kind=%3Cimg%3E", 400, "kind"),
        ("/api/metrics/?unit=" + "元" * 50, 400, "unit"),
        ("/api/metrics/?unit=furlongs", 400, "furlongs"),
        ("/api/metrics/?practice=0", 400, "practice"),
        ("/api/metrics/-1/", 404, "detail"),
        ("/api/practices/?format=xml", 404, "detail"),
    ],
)
def test_bad_input_gets_a_clear_json_answer(client, catalogue, url, status, message):
    response = client.get(url)
    assert response.status_code == status, response.content[:300]
    if status == 200:
        assert response["Content-Type"].startswith("application/json")
    else:
        assert response["Content-Type"] == "application/problem+json"
        assert set(response.json()) == {"type", "title", "status", "detail", "invalid_params"}
        assert response.json()["status"] == status
    assert message in response.content.decode()


# -- drafts ------------------------------------------------------------------
def test_draft_practices_are_invisible(client, catalogue):
    from practices.models import Metric, Practice

    Practice.objects.filter(number=5).update(status="draft")
    draft_metric = Metric.objects.filter(entry__practice__number=5).first()
    assert draft_metric is not None, "practice 5 has metrics in the catalogue"

    get_json(client, "/api/practices/5/", status=404)
    listed = get_json(client, "/api/practices/", {"page_size": 100})
    assert listed["count"] == 71 and 5 not in [item["number"] for item in listed["results"]]
    assert get_json(client, "/api/metrics/", {"practice": 5})["count"] == 0
    get_json(client, f"/api/metrics/{draft_metric.pk}/", status=404)
    all_metrics = get_json(client, "/api/metrics/", {"page_size": 100, "category": "1"})
    assert all(item["practice"]["number"] != 5 for item in all_metrics["results"])
    categories = get_json(client, "/api/categories/")["results"]
    assert sum(item["practice_count"] for item in categories) == 71


def test_draft_case_reports_and_links_to_draft_practices_are_invisible(client, catalogue):
    from practices.models import CaseReport, Practice, RelatedPractice

    link = RelatedPractice.objects.exclude(confirmed=False).select_related("case_report", "practice").first()
    report, practice = link.case_report, link.practice
    before = get_json(client, report_api_url(report))
    assert practice.number in [item["number"] for item in before["related_practices"]]

    Practice.objects.filter(pk=practice.pk).update(status="draft")
    after = get_json(client, report_api_url(report))
    assert practice.number not in [item["number"] for item in after["related_practices"]]

    CaseReport.objects.filter(pk=report.pk).update(status="draft")
    get_json(client, report_api_url(report), status=404)
    listed = get_json(client, "/api/case-reports/", {"page_size": 100})
    listed_keys = [(item["source"]["filename"], item["position"]) for item in listed["results"]]
    assert report.natural_key() not in listed_keys
    assert listed["count"] == 13 == len(listed_keys)


# -- no auto-increment ids in the output ------------------------------------
# A restore from the natural-key fixture (tests/test_backup_restore.py) renumbers every record, so
# the output must not depend on ids. A case report's ``url`` (its public page) is
# /case-reports/<source slug>/<position>/; only the API's detail route still takes the id.
ID_FREE_URLS = [
    "/api/practices/?page_size=100",
    "/api/practices/1/",
    "/api/practices/15/",
    "/api/case-reports/?page_size=100",
    "/api/metrics/?page_size=100",
    "/api/metrics/?page_size=100&sort=practice",
    "/api/categories/",
    "/api/provinces/?page_size=100",
    "/api/cities/?page_size=100",
]


def renumber(model, offset: int) -> None:
    """Add ``offset`` to the id of every ``model`` record and to every reference to it.

    Django's foreign keys are deferrable, so they are checked when the test's
    transaction ends (rolled back, after Django checked them). Unmanaged tables,
    SQLite's full-text index, are left alone: the compared requests do not search.
    """
    quote = connection.ops.quote_name
    updates = [(model._meta.db_table, model._meta.pk.column)]
    for relation in model._meta.get_fields(include_hidden=True):
        if relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one):
            assert relation.field.target_field == model._meta.pk, relation
            if relation.related_model._meta.managed:
                updates.append((relation.related_model._meta.db_table, relation.field.column))
    with connection.cursor() as cursor:
        for table, column in updates:
            cursor.execute(f"UPDATE {quote(table)} SET {quote(column)} = {quote(column)} + %s", [offset])
    cache.clear()  # cached figures were computed before the ids changed behind the ORM's back


def api_bodies(client) -> dict[str, bytes]:
    """ID_FREE_URLS and every published case report's detail (by natural key)."""
    from practices.models import CaseReport

    urls = {url: url for url in ID_FREE_URLS}
    for report in CaseReport.objects.published().select_related("source"):
        urls[f"case report {report.natural_key()}"] = report_api_url(report)
    bodies = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        bodies[name] = response.content
    return bodies


@pytest.mark.parametrize("model_name", [model._meta.object_name for model, _ in FIXTURE_MODELS])
def test_api_output_does_not_depend_on_auto_ids(client, catalogue, model_name):
    from django.apps import apps

    model = apps.get_model("practices", model_name)
    before = api_bodies(client)
    assert len(before) == len(ID_FREE_URLS) + 14
    renumber(model, 1_000_000)
    assert model._default_manager.filter(pk__lt=1_000_000).count() == 0 < model._default_manager.count()
    after = api_bodies(client)
    for name, body in before.items():
        assert after[name] == body, f"{name} changed when the {model_name} ids changed"


# -- schema and browsable pages ---------------------------------------------
def test_openapi_schema_documents_every_endpoint(client, catalogue):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in ("/api/practices/", "/api/practices/{number}/", "/api/categories/", "/api/categories/{key}/",
                 "/api/provinces/", "/api/provinces/{slug}/", "/api/cities/", "/api/cities/{slug}/",
                 "/api/case-reports/", "/api/case-reports/{key}/", "/api/metrics/", "/api/metrics/{id}/"):
        assert path in schema["paths"], path
    parameters = {p["name"] for p in schema["paths"]["/api/practices/"]["get"]["parameters"]}
    assert {"category", "city", "province", "has_metrics", "q", "sort", "page", "page_size"} <= parameters
    assert not any(set(operation) - {"get"} for operation in schema["paths"].values()), "read-only API"
    # Records are identified by business keys, not by auto-increment ids.
    components = schema["components"]["schemas"]
    for name in ("EntryMetric", "CaseReportMetric", "Metric", "CaseReport", "CaseReportDetail"):
        properties = components[name]["properties"]
        assert "id" not in properties and properties["position"]["type"] == "integer", name
        assert properties["position"]["readOnly"] and properties["position"]["description"], name
    validate_schema(SchemaGenerator().get_schema(request=None, public=True))


def test_browsable_api_renders(client, catalogue):
    response = client.get("/api/practices/?format=api&city=qingdao")
    assert response.status_code == 200
    assert "text/html" in response["Content-Type"]
    assert client.get("/api/").status_code == 200


def test_api_is_read_only(client, catalogue):
    assert client.post("/api/practices/", {"number": 99, "name": "x"}).status_code == 405
    assert client.delete("/api/practices/1/").status_code == 405


def test_old_id_addresses_of_case_reports_redirect_permanently_to_the_natural_key(client, catalogue):
    from practices.models import CaseReport

    report = CaseReport.objects.published().select_related("source").order_by("-pk").first()
    response = client.get(f"/api/case-reports/{report.pk}/?format=json")
    assert response.status_code == 301
    assert response["Location"] == report_api_url(report) + "?format=json"
    assert get_json(client, response["Location"])["title"] == report.title
    CaseReport.objects.filter(pk=report.pk).update(status="draft")
    # A draft's old address gives nothing away, not even where it would be.
    assert client.get(f"/api/case-reports/{report.pk}/").status_code == 404
    assert client.get(f"/api/case-reports/{10**9}/").status_code == 404


# -- search excerpts and refusals (issue 14) ----------------------------------------------------------
def test_a_searched_list_gives_each_item_an_excerpt(client, catalogue):
    data = client.get("/api/practices/", {"q": "融资", "page_size": 100}).json()
    assert data["count"] == len(data["results"]) > 10
    with_excerpt = [item for item in data["results"] if item["excerpt"]]
    assert len(with_excerpt) > 10
    for item in with_excerpt:
        excerpt = item["excerpt"]
        assert set(excerpt) == {"html", "text", "city", "province"}
        assert "<mark>融资</mark>" in excerpt["html"] and "<mark>" not in excerpt["text"]
        assert set(excerpt["city"]) == {"name", "slug", "province"}
    wenzhou = next(item for item in data["results"] if item["number"] == 29)
    assert wenzhou["excerpt"]["city"]["slug"] == "wenzhou"


def test_case_report_excerpts_and_no_excerpt_without_a_query(client, catalogue):
    searched = client.get("/api/case-reports/", {"q": "融资"}).json()["results"]
    assert searched and all("excerpt" in item for item in searched)
    assert any(item["excerpt"] and "<mark>融资</mark>" in item["excerpt"]["html"] for item in searched)
    assert all("excerpt" not in item for item in client.get("/api/case-reports/").json()["results"])
    assert "excerpt" not in client.get("/api/practices/1/").json()


def test_excerpts_escape_markup_in_the_query(client, catalogue):
    data = client.get("/api/practices/", {"q": "<b>融资</b>"}).json()
    html = " ".join(item["excerpt"]["html"] for item in data["results"] if item["excerpt"])
    assert "<mark>融资</mark>" in html and "<b>" not in html


@pytest.mark.parametrize("path", ["/api/practices/", "/api/case-reports/"])
def test_searched_list_queries_do_not_grow_with_the_page_size(client, catalogue, path):
    # Warm the cached counts and facets with one page size, then measure two others, each requested for
    # the first time (so a full-page cache, keyed by the query string, cannot answer for the view).
    client.get(path, {"q": "融资", "page_size": 2})
    counts = []
    for size in (1, 100):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path, {"q": "融资", "page_size": size}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] > 1


def test_an_unknown_value_is_a_400_with_one_readable_sentence(client, catalogue):
    response = client.get("/api/practices/", {"city": "nowhere", "category": "nosuch"})
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("筛选条件无效：")
    assert "city=nowhere" in body["detail"] and "category=nosuch" in body["detail"]
    reasons = {param["name"]: param["reason"] for param in body["invalid_params"]}
    assert reasons["city"].startswith("没有城市“nowhere”。") and "/api/cities/" in reasons["city"]


# -- one error format: RFC 9457 problem documents (issue 18) ---------------------------------------
PROBLEM_KEYS = {"type", "title", "status", "detail", "invalid_params"}


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert set(body) == PROBLEM_KEYS and body["status"] == status and body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    return body


def test_every_error_has_the_same_shape(client, catalogue, monkeypatch):
    from django.db import OperationalError

    from practices import api

    assert problem(client.get("/api/practices/?page_size=abc"), 400)["invalid_params"][0]["name"] == "page_size"
    assert problem(client.get("/api/practices/999/"), 404)["detail"] == "没有序号为“999”的已发布典型做法。"
    assert problem(client.get("/api/no-such-thing/"), 404)["detail"] == "没有这个地址：/api/no-such-thing/。"
    assert problem(client.get("/api/practices/?page=9"), 404)["detail"] == "没有第 9 页：共 4 页。"
    response = client.post("/api/practices/")
    assert problem(response, 405)["invalid_params"] == [] and "GET" in response["Allow"]
    # The browsable API is for data; an error is a problem document whatever the client accepts.
    problem(client.get("/api/practices/?has_metrics=maybe", HTTP_ACCEPT="text/html"), 400)

    def unavailable(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(api.PracticeViewSet, "get_queryset", unavailable)
    response = client.get("/api/practices/1/")
    assert problem(response, 503)["invalid_params"] == []
    assert response["Retry-After"] == "60" and response["Cache-Control"] == "no-store"


def test_a_rate_limited_api_request_gets_a_problem_document(rf):
    from practices.views.errors import too_many_requests

    response = too_many_requests(rf.get("/api/practices/"), retry_after=30)
    assert response["Retry-After"] == "30"
    assert problem(response, 429)["title"] == "请求过于频繁"
    assert "text/html" in too_many_requests(rf.get("/practices/"))["Content-Type"]  # a page keeps its page


@pytest.mark.parametrize(("query", "names"), [
    ("page_size=abc", ["page_size"]),
    ("page_size=0", ["page_size"]),
    ("page_size=101", ["page_size"]),
    ("page=0&page_size=abc", ["page", "page_size"]),
    ("has_metrics=maybe&city=nowhere", ["city", "has_metrics"]),  # the FilterSet's order
    ("page=abc&has_metrics=maybe&lang=xx", ["lang", "page", "has_metrics"]),
])
def test_every_refused_parameter_is_named_with_what_it_takes(client, catalogue, query, names):
    body = problem(client.get(f"/api/practices/?{query}"), 400)
    assert [param["name"] for param in body["invalid_params"]] == names
    for param in body["invalid_params"]:
        assert param["reason"], param


def test_the_400_for_a_malformed_page_size_names_the_value_and_the_range(client, catalogue):
    body = problem(client.get("/api/cities/?page_size=abc"), 400)
    assert body["title"] == "请求参数无效"
    assert body["invalid_params"] == [
        {"name": "page_size", "reason": "每页条数“abc”无效：参数 page_size 只能是 1 到 100 的整数。"}]


def test_the_400_for_a_malformed_boolean_names_the_values_it_takes(client, catalogue):
    body = problem(client.get("/api/practices/?has_metrics=maybe"), 400)
    reason = body["invalid_params"][0]["reason"]
    assert "“maybe”" in reason and "true、false、1、0、yes、no" in reason
    assert "has_metrics=maybe" in body["detail"]


@pytest.mark.parametrize(("spellings", "canonical"), [
    (["true", "TRUE", "1", "yes", "Yes"], "true"),
    (["false", "False", "0", "no", "NO"], "false"),
])
def test_booleans_accept_every_common_spelling(client, catalogue, spellings, canonical):
    expected = get_json(client, "/api/practices/", {"has_metrics": canonical})["count"]
    assert 0 < expected < 72
    for spelling in spellings:
        assert get_json(client, "/api/practices/", {"has_metrics": spelling})["count"] == expected, spelling


def test_links_never_carry_a_refused_value(client, catalogue):
    data = get_json(client, "/api/cities/", {"page_size": 5})
    assert "page_size=5" in data["next"]
    assert client.get("/api/cities/?page_size=abc").status_code == 400


def test_lang_en_answers_in_english(client, catalogue):
    chinese = client.get("/api/practices/?has_metrics=maybe")
    english = client.get("/api/practices/?has_metrics=maybe&lang=en")
    assert chinese["Content-Language"] == "zh-hans" and english["Content-Language"] == "en"
    assert problem(english, 400)["title"] == "Invalid request parameters"
    assert problem(chinese, 400)["title"] == "请求参数无效"
    assert "not a boolean" in english.json()["invalid_params"][0]["reason"]
    assert get_json(client, "/api/practices/", {"lang": "en"})["description"] != get_json(
        client, "/api/practices/")["description"]
