"""Downloads of filtered lists: /practices|case-reports|metrics/export.csv|.xlsx|.json."""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from urllib.parse import urlencode

import openpyxl
import pytest
import tablib
from django.http import StreamingHttpResponse

pytestmark = pytest.mark.django_db

BOM = "\ufeff".encode()


def download(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.content[:300] if not response.streaming else "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(BOM), "Excel on Chinese Windows needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(body: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [["" if cell is None else cell for cell in row] for row in sheet.iter_rows(values_only=True)]


def api_numbers(client, params) -> list[int]:
    data = client.get("/api/practices/?" + urlencode({**params, "page_size": 100})).json()
    return [item["number"] for item in data["results"]]


# -- formats -------------------------------------------------------------------
def test_practices_csv_is_utf8_with_bom_one_row_per_practice(client, catalogue):
    from practices.resources import PracticeResource

    response, body = download(client, "/practices/export.csv")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="practices.csv"' in response["Content-Disposition"]
    rows = csv_rows(body)
    assert rows[0] == PracticeResource().get_export_headers()
    assert len(rows) == 1 + 72
    assert rows[1][:2] == ["1", "推进企业开办智能化、极简化"]
    assert len({row[0] for row in rows[1:]}) == 72


def test_csv_is_byte_identical_to_the_admin_format(client, catalogue):
    """The stream writes what the admin's export (resources.CSV) writes for the same rows."""
    from practices.models import Practice
    from practices.resources import CSV, PracticeResource

    _, body = download(client, "/practices/export.csv")
    dataset = PracticeResource(published_only=True).export(Practice.objects.with_cities().order_by("number"))
    assert body.decode("utf-8") == CSV().export_data(dataset)


def test_practices_xlsx_opens_with_openpyxl(client, catalogue):
    from practices.resources import PracticeResource

    response, body = download(client, "/practices/export.xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="practices.xlsx"' in response["Content-Disposition"]
    rows = xlsx_rows(body)
    assert list(rows[0]) == PracticeResource().get_export_headers()
    assert len(rows) == 1 + 72
    assert rows[1][1] == "推进企业开办智能化、极简化"


def test_xlsx_keeps_numbers_as_numbers(client, catalogue):
    from practices.models import Metric

    _, body = download(client, "/metrics/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    headers = [cell.value for cell in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == Metric.objects.published().count()
    for name in ("value", "normalized_value", "position", "offset"):
        column = headers.index(name)
        assert all(row[column].data_type == "n" and isinstance(row[column].value, (int, float)) for row in rows), name
    year = headers.index("as_of_year")
    years = [row[year] for row in rows if row[year].value is not None]
    assert years and all(cell.data_type == "n" and 1990 < cell.value < 2100 for cell in years)
    # Text stays text, and a number written as text in the source ("10日") is not turned into a number.
    assert all(row[headers.index("raw")].data_type == "s" for row in rows)
    values = sorted(float(row[headers.index("normalized_value")].value) for row in rows)
    assert values[-1] == float(max(m.normalized_value for m in Metric.objects.published()))
    _, body = download(client, "/practices/export.xlsx")
    practices = openpyxl.load_workbook(io.BytesIO(body)).active
    assert [cell.value for cell in practices["A"][1:4]] == [1, 2, 3]


def test_xlsx_typing_keeps_dates_as_dates_and_empty_cells_empty():
    import datetime

    from import_export import widgets

    from practices.resources import XLSX, PlainDecimalWidget, PlainIntegerWidget, typed_row

    types = [PlainDecimalWidget().clean, PlainIntegerWidget().clean, widgets.DateWidget().clean, None]
    row = typed_row(["-5.25", "", "2024-03-01", "-5"], types)
    assert row == [Decimal("-5.25"), None, datetime.date(2024, 3, 1), "-5"]
    dataset = tablib.Dataset(row, headers=["value", "high", "date", "text"])
    cells = openpyxl.load_workbook(io.BytesIO(XLSX().export_data(dataset))).active[2]
    assert cells[0].value == -5.25 and cells[1].value is None
    assert cells[2].is_date and cells[2].value.date() == datetime.date(2024, 3, 1)
    assert cells[3].value == "'-5"  # text that looks like a formula is still quoted


def test_csv_stays_text(client, catalogue):
    _, body = download(client, "/metrics/export.csv?practice=15&sort=practice")
    rows = csv_rows(body)
    assert len(rows) > 1 and all(isinstance(cell, str) for row in rows for cell in row)


def test_practices_json_is_a_list_of_objects_keyed_by_column(client, catalogue):
    from practices.models import Practice
    from practices.resources import JSON, PracticeResource

    response, body = download(client, "/practices/export.json")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    records = json.loads(body)
    assert len(records) == 72
    assert list(records[0]) == PracticeResource().get_export_headers()
    assert records[0]["name"] == "推进企业开办智能化、极简化"
    assert "推进" in body.decode("utf-8"), "Chinese is written unescaped"
    dataset = PracticeResource(published_only=True).export(Practice.objects.with_cities().order_by("number"))
    assert body.decode("utf-8") == JSON().export_data(dataset)


@pytest.mark.parametrize("kind", ["case-reports", "metrics"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_case_report_and_metric_exports(client, catalogue, kind, fmt):
    from practices.models import CaseReport, Metric

    expected = {
        "case-reports": CaseReport.objects.published().count(),
        "metrics": Metric.objects.published().count(),  # as on /metrics/: practice and case-report metrics
    }[kind]
    response, body = download(client, f"/{kind}/export.{fmt}")
    assert f'filename="{kind}.{fmt}"' in response["Content-Disposition"]
    if fmt == "csv":
        assert len(csv_rows(body)) == 1 + expected
    elif fmt == "xlsx":
        assert len(xlsx_rows(body)) == 1 + expected
    else:
        assert len(json.loads(body)) == expected
    assert expected > 0


@pytest.mark.parametrize("kind", ["practices", "case-reports", "metrics"])
def test_big_exports_are_read_and_written_in_chunks_with_a_fixed_cost_per_chunk(catalogue, monkeypatch, kind):
    """Streaming in batches: several chunks, not one string, and queries per chunk, never per row."""
    import math

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from practices import exports

    monkeypatch.setattr(exports, "CHUNK_SIZE", 10)
    table, errors = exports.table_for(kind)
    assert errors == []
    with CaptureQueriesContext(connection) as queries:
        chunks = list(exports.csv_chunks(table))
    rows = sum(chunk.count(b"\r\n") for chunk in chunks) - 1  # less the header
    assert rows == table.queryset.count() > 10
    assert len(chunks) == 1 + math.ceil(rows / 10)  # the header, then one chunk per 10 rows
    # The ids, homonyms, then per chunk the rows and their prefetches (at most 5 relations).
    assert len(queries) <= 2 + math.ceil(rows / 10) * 6


# -- the same FilterSet as the pages -----------------------------------------
@pytest.mark.parametrize(
    "params",
    [
        {"city": "qingdao"},
        {"city": "台州"},
        {"category": "rongzi-nanti"},
        {"province": "浙江省"},
        {"has_metrics": "true"},
        {"q": "融资"},
        {"q": "人才", "sort": "-number"},
        {"city": "chengdu", "sort": "-cities"},
    ],
)
def test_practice_exports_follow_the_list_filters(client, catalogue, params):
    query = "?" + urlencode(params)
    numbers = api_numbers(client, params)
    assert 0 < len(numbers) < 72
    _, body = download(client, "/practices/export.csv" + query)
    assert [int(row[0]) for row in csv_rows(body)[1:]] == numbers
    _, body = download(client, "/practices/export.json" + query)
    assert [int(record["number"]) for record in json.loads(body)] == numbers
    _, body = download(client, "/practices/export.xlsx" + query)
    assert [int(row[0]) for row in xlsx_rows(body)[1:]] == numbers


@pytest.mark.parametrize(
    ("kind", "params", "api"),
    [
        ("case-reports", {"province": "zhejiang"}, "/api/case-reports/"),
        ("case-reports", {"category": "2"}, "/api/case-reports/"),
        ("metrics", {"city": "wenzhou"}, "/api/metrics/"),
        ("metrics", {"unit": "元", "category": "2"}, "/api/metrics/"),
        ("metrics", {"practice": "1"}, "/api/metrics/"),
    ],
)
def test_other_exports_follow_their_list_filters(client, catalogue, kind, params, api):
    count = client.get(api + "?" + urlencode(params)).json()["count"]
    assert count > 0
    _, body = download(client, f"/{kind}/export.csv?" + urlencode(params))
    assert len(csv_rows(body)) == 1 + count


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/practices/export.csv?category=nope", "nope"),
        ("/practices/export.xlsx?city=atlantis", "atlantis"),
        ("/practices/export.json?province=%3Cscript%3E", "<script>"),
        ("/practices/export.csv?q=%00", ""),
        ("/case-reports/export.csv?province=nowhere", "nowhere"),
        ("/metrics/export.csv?practice=abc", ""),
        ("/metrics/export.json?unit=%00", ""),
        ("/case-reports/export.xlsx?city=%00", ""),
    ],
)
def test_bad_filters_give_a_400_naming_the_value(client, catalogue, url, message):
    # The API's problem document (RFC 9457): one error format for every program, never a saved file.
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "Content-Disposition" not in response
    body = response.json()
    assert body["title"] == "请求参数无效" and body["status"] == 400
    assert body["detail"].startswith("筛选条件无效：") and body["detail"].endswith("未导出任何内容。")
    assert message in body["detail"] and message in body["invalid_params"][0]["reason"]
    assert "\x00" not in response.content.decode()


@pytest.mark.parametrize(("query", "names"), [
    ("has_metrics=maybe", ["has_metrics"]),
    ("page=0", ["page"]),
    ("page=abc&per_page=abc", ["page", "per_page"]),
    ("page_size=abc", ["page_size"]),
    ("sort=bad", ["sort"]),
    ("lang=fr", ["lang"]),
])
def test_malformed_parameters_are_refused_by_every_export(client, catalogue, query, names):
    for fmt in ("csv", "xlsx", "json"):
        response = client.get(f"/practices/export.{fmt}?{query}")
        assert response.status_code == 400, (fmt, query)
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert [param["name"] for param in body["invalid_params"]] == names
        assert all(param["reason"] for param in body["invalid_params"])


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes", "Yes"])
def test_an_export_reads_every_spelling_of_a_boolean(client, catalogue, value):
    _, body = download(client, f"/practices/export.csv?has_metrics={value}")
    _, expected = download(client, "/practices/export.csv?has_metrics=true")
    assert body == expected


def test_unknown_format_is_not_an_export(client, catalogue):
    for response, status in ((client.get("/practices/export.pdf"), 404), (client.post("/practices/export.csv"), 405)):
        assert response.status_code == status
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == status and response.json()["invalid_params"] == []
    assert client.post("/practices/export.csv")["Allow"] == "GET, HEAD"


# -- formula neutralisation --------------------------------------------------------
@pytest.mark.parametrize("dangerous", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_spreadsheet_cells_never_run_as_formulas(client, catalogue, dangerous):
    from practices.models import Practice

    Practice.objects.filter(number=1).update(name=dangerous)
    _, body = download(client, "/practices/export.csv?sort=number")
    row = csv_rows(body)[1]
    assert row[1] == "'" + dangerous

    _, body = download(client, "/practices/export.xlsx?sort=number")
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    cell = sheet.cell(row=2, column=2)
    assert cell.value == "'" + dangerous
    assert cell.data_type == "s"

    _, body = download(client, "/practices/export.json?sort=number")
    assert json.loads(body)[0]["name"] == dangerous, "JSON is data, not a spreadsheet: kept as is"


def test_harmless_text_is_not_quoted(client, catalogue):
    _, body = download(client, "/metrics/export.csv?practice=1&sort=practice")
    rows = csv_rows(body)
    assert not any(cell.startswith("'") for row in rows for cell in row)


# -- drafts ------------------------------------------------------------------------
def test_drafts_are_never_exported(client, catalogue):
    from practices.models import CaseReport, Metric, Practice

    Practice.objects.filter(number=5).update(status="draft")
    report = CaseReport.objects.order_by("pk").first()
    CaseReport.objects.filter(pk=report.pk).update(status="draft")
    assert Metric.objects.filter(entry__practice__number=5).exists()

    _, body = download(client, "/practices/export.csv")
    numbers = [row[0] for row in csv_rows(body)[1:]]
    assert "5" not in numbers and len(numbers) == 71
    _, body = download(client, "/practices/export.json")
    assert "5" not in [record["number"] for record in json.loads(body)]
    _, body = download(client, "/practices/export.xlsx")
    assert "5" not in [str(row[0]) for row in xlsx_rows(body)[1:]]

    _, body = download(client, "/case-reports/export.json")
    assert report.title not in [record["title"] for record in json.loads(body)]
    _, body = download(client, "/metrics/export.json?practice=5")
    assert json.loads(body) == []


def test_exports_run_a_bounded_number_of_queries(client, catalogue, django_assert_max_num_queries):
    """Practice exports prefetch entries and cities: a handful of queries for 72 rows."""
    with django_assert_max_num_queries(10):
        download(client, "/practices/export.csv")


@pytest.mark.parametrize("homonyms", [None, frozenset({"青岛市", "台州市"})])
def test_fast_practice_rows_are_the_resource_rows(catalogue, homonyms):
    """The tuple-built practice rows equal import-export's own export_resource, cell for cell."""
    from practices import export_rows
    from practices.models import Practice
    from practices.resources import PracticeResource

    resource = PracticeResource(published_only=True)
    if homonyms is not None:
        resource._homonyms = homonyms  # as if other provinces had cities of these names
    ids = list(Practice.objects.published().order_by("-number").values_list("pk", flat=True))
    fast = list(export_rows.practice_rows(resource, ids))
    slow = [resource.export_resource(p) for p in resource.get_queryset().order_by("-number").published()]
    assert len(fast) == len(slow) == 72
    assert fast == slow
    if homonyms is not None:
        assert any("青岛市（山东省）" in cell for row in fast for cell in row)


@pytest.mark.parametrize("sort", ["", "-number", "name", "-name", "cities", "relevance"])
def test_export_rows_equal_the_resource_rows_in_every_list_order(catalogue, sort, monkeypatch):
    """Both fast paths (keyset chunks for plain-column orders, id chunks for annotated ones) give
    import-export's own rows, in the list's order, for a practice without entries too, across chunks."""
    from practices import export_rows

    monkeypatch.setattr(export_rows, "CHUNK_SIZE", 7)  # 72 practices: eleven chunks, the last one short
    from practices.filters import PracticeFilterSet
    from practices.models import Practice, PracticeEntry
    from practices.resources import PracticeResource

    bare = Practice.objects.published().order_by("number")[3]
    PracticeEntry.objects.filter(practice=bare).delete()
    resource = PracticeResource(published_only=True)
    params = {"sort": sort, "q": "融资"} if sort == "relevance" else {"sort": sort}
    queryset = PracticeFilterSet(params, queryset=resource.get_queryset()).qs
    assert (export_rows.streamable_order(queryset) is None) == (sort in {"cities", "relevance"})
    fast = list(export_rows.fast_rows(resource, queryset))
    slow = [resource.export_resource(practice) for practice in queryset]
    assert len(fast) == len(slow) >= (5 if sort == "relevance" else 72)
    assert fast == slow
    if sort != "relevance":
        headers = resource.get_export_headers()
        bare_row = next(row for row in fast if row[headers.index("number")] == str(bare.number))
        assert bare_row[headers.index("cities")] == bare_row[headers.index("entries")] == ""


def test_fast_practice_rows_follow_the_resource_columns(catalogue):
    """The fast path reads its columns from PracticeResource: a column fewer there is one fewer here,
    and a computed column it cannot build is refused rather than left out."""
    from import_export import fields

    from practices import export_rows
    from practices.models import Practice
    from practices.resources import PracticeResource, TextWidget

    class WithoutSource(PracticeResource):
        class Meta(PracticeResource.Meta):
            fields = tuple(name for name in PracticeResource.Meta.fields if name != "source")
            export_order = fields

    resource = WithoutSource(published_only=True)
    ids = list(Practice.objects.published().order_by("number").values_list("pk", flat=True))[:3]
    fast = list(export_rows.practice_rows(resource, ids))
    assert resource.get_export_headers() == [h for h in PracticeResource().get_export_headers() if h != "source"]
    assert fast == [resource.export_resource(Practice.objects.with_cities().get(pk=pk)) for pk in ids]

    class WithComputed(PracticeResource):
        shout = fields.Field(column_name="shout", widget=TextWidget(), readonly=True)

        class Meta(PracticeResource.Meta):
            fields = (*PracticeResource.Meta.fields, "shout")
            export_order = fields

        def dehydrate_shout(self, practice):
            return practice.name.upper()

    with pytest.raises(TypeError, match="shout"):
        export_rows.practice_columns(WithComputed(published_only=True))


# -- downloads named by their filters, Chinese headers (issue 14, point 9) --------------------------
@pytest.mark.parametrize(("url", "filename"), [
    ("/practices/export.xlsx?city=wenzhou&category=2", 'filename="practices-wenzhou-category-2.xlsx"'),
    ("/practices/export.csv?category=rongzi-nanti&city=温州", 'filename="practices-wenzhou-category-2.csv"'),
    ("/practices/export.json", 'filename="practices.json"'),
    ("/practices/export.csv?province=zhejiang&has_metrics=true&sort=-number",
     'filename="practices-zhejiang-has-metrics.csv"'),
    ("/metrics/export.csv?practice=23&owner=practice", 'filename="metrics-owner-practice-practice-23.csv"'),
    ("/case-reports/export.csv?province=zhejiang&headers=zh", 'filename="case-reports-zhejiang-zh.csv"'),
    ("/practices/export.csv?q=融资", "filename*=utf-8''practices-q-%E8%9E%8D%E8%B5%84.csv"),
])
def test_a_download_is_named_by_its_filters(client, catalogue, url, filename):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f"attachment; {filename}"


def test_chinese_headers_on_request_csv_and_xlsx_only(client, catalogue):
    default = b"".join(client.get("/practices/export.csv?city=wenzhou").streaming_content).decode("utf-8-sig")
    chinese = b"".join(client.get("/practices/export.csv?city=wenzhou&headers=zh").streaming_content)
    chinese = chinese.decode("utf-8-sig")
    assert default.splitlines()[0].startswith("number,name,category,category_name")
    assert chinese.splitlines()[0] == "序号,名称,类别编号,类别名称,状态,城市,各城市做法和成效,来源文件"
    assert default.splitlines()[1:] == chinese.splitlines()[1:]
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/metrics/export.xlsx?headers=zh").getvalue()))
    headers = [cell.value for cell in next(workbook.active.iter_rows(max_row=1))]
    assert headers[:3] == ["所属记录", "典型做法序号", "城市"] and "标准化数值" in headers
    # JSON keys are a program's: unchanged.
    data = json.loads(b"".join(client.get("/practices/export.json?headers=zh").streaming_content))
    assert "number" in data[0]


def test_an_unknown_headers_value_is_a_readable_400(client, catalogue):
    response = client.get("/practices/export.csv?headers=<b>fr")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["invalid_params"][0]["name"] == "headers"
    assert "<b>fr" in response.json()["invalid_params"][0]["reason"]


def test_every_export_column_has_a_chinese_header(catalogue):
    from practices.exports import COLUMN_HEADERS_ZH
    from practices.lists import PUBLIC_LISTS

    for public_list in PUBLIC_LISTS.values():
        columns = public_list.resource_class(published_only=True).get_export_headers()
        assert set(columns) <= set(COLUMN_HEADERS_ZH), set(columns) - set(COLUMN_HEADERS_ZH)


def test_a_case_report_export_reads_reports_linked_to_thousands_of_practices(client, catalogue):
    """At 10k practices the reports link ~2,500 practices: the links' practices must be joined, not prefetched
    as one "id = … OR id = …" per practice, which SQLite refuses past 1,000 terms (the data page crashed)."""
    from decimal import Decimal

    from practices.models import CaseReport, Practice, RelatedPractice

    template = Practice.objects.published().order_by("number").first()
    extra = Practice.objects.bulk_create([
        Practice(number=1000 + index, name=f"做法 {index}", category_id=template.category_id,
                 source_id=template.source_id, status=template.status)
        for index in range(1100)
    ])
    report = CaseReport.objects.published().order_by("pk").first()
    RelatedPractice.objects.bulk_create([RelatedPractice(case_report=report, practice=practice, score=Decimal("0.5"))
                                         for practice in extra])
    body = download(client, "/case-reports/export.csv")[1]
    assert len(csv_rows(body)) == 1 + CaseReport.objects.published().count()
    assert client.get("/about/").status_code == 200
