"""practices.resources: natural keys, plain names, strict lists, entries, formulas, encodings, round trips."""
from __future__ import annotations

import io
import json

import openpyxl
import pytest
import tablib

from practices import resources
from practices.models import CaseReport, City, Metric, Practice, Province, Status

ALL = [resources.CategoryResource, resources.ProvinceResource, resources.CityResource,
       resources.PracticeResource, resources.CaseReportResource, resources.MetricResource]


def dataset(text: str) -> tablib.Dataset:
    return resources.CSV().create_dataset(text.encode("utf-8"))


def dry_run(resource_class, text: str, **kwargs):
    return resource_class(published_only=False, **kwargs).import_data(dataset(text), dry_run=True)


# --------------------------------------------------------------------------- formulas


@pytest.mark.parametrize(
    ("value", "neutralised"),
    [
        ("=1+1", "'=1+1"),
        ("+86 123", "'+86 123"),
        ("-5%", "'-5%"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("普通文本=1", "普通文本=1"),
        ("'已引用", "'已引用"),
        ("", ""),
        (5, 5),
        (None, None),
    ],
)
def test_neutralize_and_restore(value, neutralised):
    assert resources.neutralize_value(value) == neutralised
    assert resources.restore_value(neutralised) == value


@pytest.mark.parametrize("file_format", [resources.CSV, resources.XLSX])
def test_spreadsheet_exports_neutralise_formulas_and_import_restores_them(catalogue, file_format):
    Practice.objects.filter(number=1).update(name='=HYPERLINK("http://evil","点我")')
    Practice.objects.filter(number=2).update(name="@cmd|' /C calc'!A0")
    data = file_format().export_data(resources.PracticeResource(published_only=False).export())
    if file_format is resources.CSV:
        rows = list(resources.CSV().create_dataset(data.encode("utf-8")).dict)
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        headers = [c.value for c in next(sheet.iter_rows())]
        rows = [dict(zip(headers, [c.value for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    names = {str(r["number"]): r["name"] for r in rows}
    assert names["1"] == '\'=HYPERLINK("http://evil","点我")'
    assert names["2"] == "'@cmd|' /C calc'!A0"
    file_class = file_format
    reread = file_class().create_dataset(data.encode("utf-8") if isinstance(data, str) else data)
    result = resources.PracticeResource(published_only=False).import_data(reread, dry_run=True)
    assert {row.import_type for row in result.rows} == {"skip"}  # the quote is removed again on import


def test_json_export_is_not_escaped_and_keeps_chinese(catalogue):
    Practice.objects.filter(number=1).update(name="=不是公式")
    text = resources.JSON().export_data(resources.PracticeResource(published_only=False).export())
    rows = json.loads(text)
    assert rows[0]["name"] == "=不是公式"
    assert "\\u" not in text


def test_csv_export_starts_with_a_bom(catalogue):
    text = resources.CSV().export_data(resources.CategoryResource(published_only=False).export())
    assert text.startswith("\ufeffnumber,name,slug")


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_decode_upload_accepts_utf8_and_gb18030(encoding):
    assert resources.decode_upload("序号,名称\n1,民营企业\n".encode(encoding)) == "序号,名称\n1,民营企业\n"


@pytest.mark.parametrize("data", [b"\xff\xfe1\x00,\x00", b"abc\x80\xff"])
def test_decode_upload_refuses_undecodable_bytes_clearly(data):
    with pytest.raises(resources.ImportDecodeError, match="无法识别文件编码"):
        resources.decode_upload(data)


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("resource_class", ALL)
@pytest.mark.parametrize("file_format", resources.FORMATS)
def test_every_resource_round_trips_unchanged(catalogue, resource_class, file_format):
    exported = file_format().export_data(resource_class(published_only=False).export())
    data = exported.encode("utf-8") if isinstance(exported, str) else exported
    result = resource_class(published_only=False).import_data(file_format().create_dataset(data), dry_run=True)
    assert not result.has_errors() and not result.has_validation_errors()
    assert {row.import_type for row in result.rows} == {"skip"}
    assert len(result.rows) == resource_class(published_only=False).get_queryset().count()


@pytest.mark.parametrize("resource_class", [resources.PracticeResource, resources.CaseReportResource,
                                            resources.MetricResource])
def test_published_only_is_the_default_for_public_use(catalogue, resource_class):
    Practice.objects.filter(number__lte=3).update(status=Status.DRAFT)
    CaseReport.objects.filter(pk=CaseReport.objects.first().pk).update(status=Status.DRAFT)
    public = resource_class().export()
    staff = resource_class(published_only=False).export()
    assert len(public) < len(staff)
    if resource_class is resources.PracticeResource:
        assert {int(n) for n in public["number"]}.isdisjoint({1, 2, 3})


def test_practice_columns_are_plain_names_in_source_order(catalogue):
    row = resources.PracticeResource(published_only=False).export(Practice.objects.filter(number=1)).dict[0]
    practice = Practice.objects.get(number=1)
    cities = [e.city.name for e in practice.entries.order_by("position")]
    assert list(row) == ["number", "name", "category", "category_name", "status", "cities", "entries", "source"]
    assert row["category"] == str(practice.category.number) and row["category_name"] == practice.category.name
    assert row["cities"] == ";".join(cities)
    assert row["entries"].startswith(f"【{cities[0]}】")
    assert row["source"] == practice.source.filename


# --------------------------------------------------------------------------- entries format


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ("【青岛市】甲。\n【江阴市】乙。", ["青岛市", "江阴市"], ["甲。", "乙。"]),
        ("【青岛市】甲\n第二行。\r\n【江阴市】乙。", ["青岛市", "江阴市"], ["甲\n第二行。", "乙。"]),
        ("【青岛市】提到【江阴市】的经验。", ["青岛市"], ["提到【江阴市】的经验。"]),
        ("【青岛市】甲。\n【江阴市】乙。", ["青岛市"], None),
        ("【江阴市】乙。\n【青岛市】甲。", ["青岛市", "江阴市"], None),
        ("【青岛市】\n【江阴市】乙。", ["青岛市", "江阴市"], None),
        ("甲。", ["青岛市"], None),
        ("【青岛市】甲。", [], None),
    ],
)
def test_parse_entries(text, labels, expected):
    if expected is None:
        with pytest.raises(ValueError):
            resources.parse_entries(text, labels)
    else:
        assert resources.parse_entries(text, labels) == expected


def test_render_and_parse_are_inverse(catalogue):
    for practice in Practice.objects.with_cities()[:20]:
        pairs = [(e.city, e.text) for e in practice.entries.all()]
        labels = [resources.city_label(c) for c, _ in pairs]
        assert resources.parse_entries(resources.render_entries(pairs), labels) == [t for _, t in pairs]


def test_homonym_cities_are_written_with_their_province(catalogue, city_factory):
    province = Province.objects.create(name="测试省", slug="ceshi-sheng")
    city_factory(name="青岛市", province=province, slug="qingdao-ceshi")
    row = resources.PracticeResource(published_only=False).export(Practice.objects.filter(number=1)).dict[0]
    assert row["cities"].startswith("青岛市（山东省）")
    with pytest.raises(ValueError, match="多个省份"):
        resources.resolve_city("青岛市")
    assert resources.resolve_city("青岛市（测试省）").province == province
    result = resources.PracticeResource(published_only=False).import_data(
        dataset(resources.CSV().export_data(resources.PracticeResource(published_only=False).export(
            Practice.objects.filter(number=1)))[1:]), dry_run=True)
    assert [row.import_type for row in result.rows] == ["skip"]


# --------------------------------------------------------------------------- strict columns


def test_unknown_city_in_a_case_report_is_a_row_error_not_dropped(catalogue):
    report = CaseReport.objects.first()
    exported = resources.CaseReportResource(published_only=False).export(CaseReport.objects.filter(pk=report.pk))
    exported[0] = tuple("火星市" if h == "cities" else v for h, v in zip(exported.headers, exported[0], strict=True))
    result = resources.CaseReportResource(published_only=False).import_data(exported, dry_run=True)
    assert result.invalid_rows[0].error_dict == {"cities": ["未知城市：火星市"]}


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [("categories", "1;99", "未知类别编号：99"), ("province", "火星省", "未知省份：火星省"),
     ("status", "上线", "状态只能是")],
)
def test_case_report_bad_values_are_row_errors(catalogue, column, value, message):
    exported = resources.CaseReportResource(published_only=False).export(CaseReport.objects.all()[:1])
    exported[0] = tuple(value if h == column else v for h, v in zip(exported.headers, exported[0], strict=True))
    result = resources.CaseReportResource(published_only=False).import_data(exported, dry_run=True)
    assert message in " ".join(m for messages in result.invalid_rows[0].error_dict.values() for m in messages)


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ("number,name,category,status,cities,entries", "缺少列：source"),
        ("number,name,category,status,cities,entries,source,extra", "无法识别的列：extra"),
        ("number,number,name,category,status,cities,entries,source", "重复的列：number"),
    ],
)
def test_headers_are_checked(catalogue, headers, fragment):
    result = dry_run(resources.PracticeResource, headers + "\n")
    assert fragment in str(result.base_errors[0].error)


def test_metric_import_corrects_a_figure_and_verification_needs_the_permission(catalogue, staff_user):
    metric = Metric.objects.filter(entry__isnull=False).order_by("pk").first()
    exported = resources.MetricResource(published_only=False).export(Metric.objects.filter(pk=metric.pk))
    headers = exported.headers
    row = dict(zip(headers, exported[0], strict=True)) | {"value": "6.5", "verified": "1"}
    exported[0] = tuple(row[h] for h in headers)
    editor = staff_user("编辑")
    refused = resources.MetricResource(published_only=False).import_data(exported, dry_run=True, user=editor)
    assert "核实指标的权限" in str(refused.invalid_rows[0].error_dict)
    reviewer = staff_user("审核")
    done = resources.MetricResource(published_only=False).import_data(exported, user=reviewer)
    assert not done.has_validation_errors()
    metric.refresh_from_db()
    assert str(metric.value.normalize()) == "6.5" and metric.verified and metric.verified_by == reviewer


def test_metric_rows_need_an_existing_owner(catalogue):
    header = ",".join(resources.MetricResource().column_names())
    row = "entry,999,青岛市,,,1,5户,5,,户,5,,户,count,,企业,,,,,企业5户。,0,0"
    result = dry_run(resources.MetricResource, f"{header}\n{row}\n")
    assert "没有" in str(result.invalid_rows[0].error_dict["owner"]) or "典型做法 999" in str(
        result.invalid_rows[0].error_dict)


def test_city_resource_uses_name_and_province_as_key(catalogue):
    city = City.objects.get(name="青岛市")
    text = f"name,province,slug,pinyin,adcode,level\n青岛市,山东省,{city.slug},Qingdao-changed,{city.adcode},prefecture\n"
    result = resources.CityResource(published_only=False).import_data(dataset(text))
    assert [row.import_type for row in result.rows] == ["update"]
    city.refresh_from_db()
    assert city.pinyin == "Qingdao-changed" and city.version == 2
