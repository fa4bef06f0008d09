"""Admin import and export: preview, confirm in a later request, one transaction, encodings, files that round-trip."""
from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from practices.models import Category, Metric, Practice, PracticeEntry, Status

EDITOR, REVIEWER = "编辑", "审核"
CSV, XLSX, JSON = "0", "1", "2"
HEADER = "number,name,category,category_name,status,cities,entries,source"
SOURCE = "003_0afe494a00c202ac.txt"


@pytest.fixture
def editor(staff_user):
    return staff_user(EDITOR)


@pytest.fixture
def reviewer(staff_user):
    return staff_user(REVIEWER)


def upload(client, model: str, content: bytes, *, fmt: str = CSV, name: str = "data.csv"):
    return client.post(
        reverse(f"admin:practices_{model}_import"),
        {"format": fmt, "resource": "0", "import_file": SimpleUploadedFile(name, content)},
    )


def confirm(client, model: str, preview):
    form = preview.context["confirm_form"]
    return client.post(reverse(f"admin:practices_{model}_process_import"),
                       {name: form.initial.get(name, "") for name in form.fields}, follow=True)


def database_state() -> tuple:
    return (
        tuple(Practice.objects.order_by("number").values_list("number", "name", "status", "category_id", "version")),
        tuple(PracticeEntry.objects.order_by("pk").values_list("pk", "practice_id", "city_id", "position", "text")),
        Metric.objects.count(),
    )


def practice_row(number=1, name=None, category=None, status="published", cities=None, entries=None):
    """One CSV row: the practice as stored, with the given changes."""
    practice = Practice.objects.filter(number=number).first()
    if category is None:
        category = practice.category.number if practice else 1
    if cities is None:
        cities = ";".join(e.city.name for e in practice.entries.order_by("position"))
    if entries is None:
        entries = "\n".join(f"【{e.city.name}】{e.text}" for e in practice.entries.order_by("position"))
    name = name or practice.name
    quoted = '"' + entries.replace('"', '""') + '"'
    return f"{number},{name},{category},,{status},{cities},{quoted},{SOURCE}"


def csv_bytes(*rows: str, encoding="utf-8", header=HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


# --------------------------------------------------------------------------- preview and confirm


def test_preview_writes_nothing_then_confirm_in_a_later_request_writes(client, catalogue, editor):
    client.force_login(editor)
    before = database_state()
    preview = upload(client, "practice", csv_bytes(practice_row(1, name="导入后的名称")))
    assert preview.status_code == 200
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert [row.import_type for row in result.rows] == ["update"]
    assert "导入后的名称" in preview.content.decode()  # the row's diff is shown
    assert database_state() == before  # the dry run left nothing behind
    done = confirm(client, "practice", preview)
    assert "导入完成" in done.content.decode()
    practice = Practice.objects.get(number=1)
    assert practice.name == "导入后的名称" and practice.version == 2
    assert practice.history.latest().history_user == editor


def test_unchanged_rows_are_skipped(client, catalogue, editor):
    client.force_login(editor)
    preview = upload(client, "practice", csv_bytes(practice_row(1), practice_row(2)))
    assert [row.import_type for row in preview.context["result"].rows] == ["skip", "skip"]


def test_import_creates_a_practice_with_entries_as_draft(client, catalogue, editor):
    client.force_login(editor)
    row = practice_row(73, name="新增做法", status="draft", cities="青岛市;成都市",
                       entries="【青岛市】青岛的做法。\n【成都市】成都的做法。")
    done = confirm(client, "practice", upload(client, "practice", csv_bytes(row)))
    assert done.status_code == 200
    practice = Practice.objects.get(number=73)
    assert practice.status == Status.DRAFT
    assert [(e.city.name, e.text, e.position) for e in practice.entries.order_by("position")] == [
        ("青岛市", "青岛的做法。", 1), ("成都市", "成都的做法。", 2)]
    assert client.get(practice.get_absolute_url()).status_code == 404  # drafts stay off the public site


def test_entries_of_new_practices_are_written_in_bulk_with_their_history(client, catalogue, editor):
    client.force_login(editor)
    rows = [practice_row(73, name="新增做法甲", status="draft", cities="青岛市", entries="【青岛市】甲的做法。"),
            practice_row(74, name="新增做法乙", status="draft", cities="成都市;青岛市",
                         entries="【成都市】乙在成都。\n【青岛市】乙在青岛。")]
    assert confirm(client, "practice", upload(client, "practice", csv_bytes(*rows))).status_code == 200
    entries = PracticeEntry.objects.filter(practice__number__in=[73, 74]).order_by("practice__number", "position")
    assert [(e.practice.number, e.city.name, e.position, e.version) for e in entries] == [
        (73, "青岛市", 1, 1), (74, "成都市", 1, 1), (74, "青岛市", 2, 1)]
    for entry in entries:
        record = entry.history.get()
        assert (record.history_type, record.history_user, record.history_change_reason) == ("+", editor, "导入")


def test_confirm_survives_a_new_process_reading_the_database_cache(client, catalogue, editor):
    from django.core.cache import caches

    client.force_login(editor)
    preview = upload(client, "practice", csv_bytes(practice_row(2, name="跨请求确认")))
    key = preview.context["confirm_form"].initial["import_file_name"]
    # The file is stored in the database cache (shared by every worker), not in a process temp dir.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_cache WHERE cache_key LIKE %s", [f"%{key}%"])
        assert cursor.fetchone()[0] == 1
    caches["default"].close()
    confirm(client, "practice", preview)
    assert Practice.objects.get(number=2).name == "跨请求确认"


# --------------------------------------------------------------------------- bad files: nothing written, the row named


@pytest.mark.parametrize(
    ("label", "content", "message"),
    [
        ("wrong headers", lambda: csv_bytes(practice_row(1), header=HEADER.replace("name,", "title,")),
         "缺少列：name"),
        ("duplicate numbers", lambda: csv_bytes(practice_row(1, name="甲"), practice_row(1, name="乙")),
         "第 2 条记录（表格第 3 行）与第 1 条记录"),
        ("unknown city", lambda: csv_bytes(practice_row(1, name="甲"), practice_row(
            2, cities="青岛市;火星市", entries="【青岛市】甲。\n【火星市】乙。")), "未知城市：火星市"),
        ("unknown category", lambda: csv_bytes(practice_row(1, category=9)), "未知类别编号：9"),
        ("entries not matching cities", lambda: csv_bytes(practice_row(1, cities="青岛市;江阴市",
                                                                       entries="【江阴市】乙。")), "entries 必须以"),
        ("undecodable bytes", lambda: csv_bytes(practice_row(1, name="甲")).replace(b"\xe7\x94\xb2", b"\xff\xfe"),
         "无法识别文件编码"),
    ],
)
def test_bad_file_leaves_the_database_unchanged_and_says_why(client, catalogue, editor, label, content, message):
    client.force_login(editor)
    before = database_state()
    response = upload(client, "practice", content())
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html, label
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert database_state() == before


def test_unknown_city_error_names_the_row(client, catalogue, editor):
    client.force_login(editor)
    response = upload(client, "practice", csv_bytes(practice_row(1), practice_row(
        2, cities="火星市", entries="【火星市】乙。")))
    invalid = response.context["result"].invalid_rows
    assert [row.number for row in invalid] == [2]
    assert invalid[0].error_dict == {"cities": ["未知城市：火星市"]}


def test_errors_found_only_at_confirm_roll_back_every_row(client, catalogue, editor):
    client.force_login(editor)
    preview = upload(client, "practice", csv_bytes(practice_row(1, name="第一行"), practice_row(2, name="第二行")))
    before = database_state()
    # Between preview and confirm, someone removes the city the second row needs.
    entry = PracticeEntry.objects.filter(practice__number=2).first()
    city = entry.city
    PracticeEntry.objects.filter(city=city).delete()
    city.case_reports.clear()
    city.delete()
    response = confirm(client, "practice", preview)
    body = response.content.decode()
    assert "导入失败，数据库未作任何改动" in body
    assert f"第 2 条记录（表格第 3 行）：未知城市：{city.name}" in body  # the row and the reason, in one message
    assert Practice.objects.get(number=1).name == before[0][0][1]


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8", "utf-8-sig"])
def test_csv_from_excel_on_chinese_windows_or_utf8_is_read(client, catalogue, editor, encoding):
    client.force_login(editor)
    done = confirm(client, "practice", upload(client, "practice", csv_bytes(practice_row(3, name="编码测试：民营企业"),
                                                                          encoding=encoding)))
    assert done.status_code == 200
    assert Practice.objects.get(number=3).name == "编码测试：民营企业"


# --------------------------------------------------------------------------- permissions inside the import


def test_editor_cannot_publish_through_an_import(client, catalogue, editor):
    client.force_login(editor)
    before = database_state()
    response = upload(client, "practice", csv_bytes(practice_row(4, status="draft")))
    assert "你没有发布或撤回典型做法的权限" in response.content.decode()
    assert database_state() == before


def test_reviewer_can_unpublish_through_an_import(client, catalogue, reviewer):
    client.force_login(reviewer)
    confirm(client, "practice", upload(client, "practice", csv_bytes(practice_row(4, status="draft"))))
    practice = Practice.objects.get(number=4)
    assert practice.status == Status.DRAFT and practice.published_at is None


def test_dropping_a_city_would_delete_an_entry_which_editors_may_not(client, catalogue, editor):
    client.force_login(editor)
    practice = Practice.objects.get(number=1)
    first = practice.entries.order_by("position").first()
    response = upload(client, "practice", csv_bytes(practice_row(
        1, cities=first.city.name, entries=f"【{first.city.name}】{first.text}")))
    assert "删除需要删除权限" in response.content.decode()


@pytest.mark.parametrize("view", ["import", "export"])
def test_import_and_export_need_their_permission(client, catalogue, user_factory, view):
    from django.contrib.auth.models import Permission

    user = user_factory(username="viewer")
    user.user_permissions.add(Permission.objects.get(codename="view_practice"))
    client.force_login(user)
    assert client.get(reverse(f"admin:practices_practice_{view}")).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename=f"{view}_practice"))
    client.force_login(user)
    assert client.get(reverse(f"admin:practices_practice_{view}")).status_code == 200


# --------------------------------------------------------------------------- export, template, round trip


def export(client, model: str, fmt: str, query: str = ""):
    from practices import resources

    resource = {"practice": resources.PracticeResource, "metric": resources.MetricResource,
                "casereport": resources.CaseReportResource, "category": resources.CategoryResource}[model]
    fields = {f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()}
    return client.post(reverse(f"admin:practices_{model}_export") + query,
                       {"format": fmt, "resource": "0", **fields})


def test_csv_export_has_a_bom_and_follows_the_admin_filters(client, catalogue, editor):
    client.force_login(editor)
    response = export(client, "practice", CSV, "?category__id__exact=2")
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    import csv

    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert ",".join(rows[0]) == HEADER
    numbers = {int(row[0]) for row in rows[1:]}
    assert numbers == set(Practice.objects.filter(category_id=2).values_list("number", flat=True))
    assert 0 < len(numbers) < 72


@pytest.mark.parametrize(("model", "fmt"), [("practice", CSV), ("practice", XLSX), ("practice", JSON),
                                            ("metric", CSV), ("metric", XLSX), ("casereport", XLSX),
                                            ("category", JSON)])
def test_exported_files_import_back_unchanged(client, catalogue, reviewer, model, fmt):
    client.force_login(reviewer)
    exported = export(client, model, fmt)
    assert exported.status_code == 200
    name = {CSV: "x.csv", XLSX: "x.xlsx", JSON: "x.json"}[fmt]
    preview = upload(client, model, exported.content, fmt=fmt, name=name)
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert {row.import_type for row in result.rows} == {"skip"}


def xlsx_columns(content: bytes) -> dict[str, list]:
    """Each column of an XLSX file's first sheet: header -> its cells (openpyxl Cell objects)."""
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows())
    return {str(header.value): [row[index] for row in rows[1:]] for index, header in enumerate(rows[0])}


def test_admin_xlsx_export_keeps_numbers_as_numbers(client, catalogue, reviewer):
    client.force_login(reviewer)
    practices = xlsx_columns(export(client, "practice", XLSX).content)
    assert practices["number"] and all(c.data_type == "n" and isinstance(c.value, int) for c in practices["number"])
    assert sorted(c.value for c in practices["number"]) == list(range(1, 73))
    assert all(c.data_type == "s" for c in practices["name"])

    metrics = xlsx_columns(export(client, "metric", XLSX).content)
    for column in ("position", "value", "normalized_value", "as_of_year", "practice"):
        filled = [c for c in metrics[column] if c.value is not None]
        assert filled, column
        assert all(c.data_type == "n" for c in filled), column
    assert sum(c.value for c in metrics["value"] if c.value is not None) > 0  # sums work
    first = Metric.objects.filter(entry__isnull=False, value__isnull=False).order_by(
        "entry__practice__number", "entry__position", "position").first()
    assert metrics["value"][0].value == pytest.approx(float(first.value))
    # Text stays text, and a text cell starting with "=" is still neutralised.
    assert all(c.data_type == "s" for c in metrics["raw"] if c.value is not None)

    reports = xlsx_columns(export(client, "casereport", XLSX).content)
    assert all(c.data_type == "n" for c in reports["position"])


def test_admin_xlsx_export_still_quotes_formulas(client, catalogue, reviewer):
    Practice.objects.filter(number=3).update(name="=HYPERLINK(\"http://x\")")
    client.force_login(reviewer)
    practices = xlsx_columns(export(client, "practice", XLSX).content)
    cell = next(c for c in practices["name"] if str(c.value).lstrip("'").startswith("=HYPERLINK"))
    assert cell.value.startswith("'=") and cell.data_type == "s"


def test_export_includes_drafts_for_staff_and_columns_are_plain_names(client, catalogue, reviewer):
    Practice.objects.filter(number=5).update(status=Status.DRAFT)
    client.force_login(reviewer)
    data = json.loads(export(client, "practice", JSON).content)
    row = next(r for r in data if r["number"] == "5")
    assert row["status"] == "draft"
    assert row["category_name"] == Practice.objects.get(number=5).category.name
    assert "\\u" not in export(client, "practice", CSV).content.decode("utf-8-sig")
    assert not row["cities"].startswith("[")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_template_has_the_import_columns(client, catalogue, editor, fmt):
    client.force_login(editor)
    response = client.get(reverse("admin:practices_practice_import_template", args=[fmt]))
    assert response.status_code == 200
    if fmt == "csv":
        assert response.content.decode("utf-8-sig").strip() == HEADER
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert [c.value for c in next(sheet.iter_rows())] == HEADER.split(",")


def test_import_page_links_the_template_and_explains(client, catalogue, editor):
    client.force_login(editor)
    html = client.get(reverse("admin:practices_practice_import")).content.decode()
    assert "import-template.csv" in html and "GB18030" in html and "一个事务" in html


def test_category_import_round_trips_a_rename(client, catalogue, editor):
    client.force_login(editor)
    category = Category.objects.get(number=7)
    content = f"number,name,slug\n7,{category.name}（改）,{category.slug}\n".encode()
    confirm(client, "category", upload(client, "category", content))
    assert Category.objects.get(number=7).name == f"{category.name}（改）"


# --------------------------------------------------------------------------- files that cannot be imported


def assert_one_line_error(response, *expected: str) -> None:
    html = response.content.decode()
    assert response.status_code == 200
    for text in expected:
        assert text in html, text
    for leak in ("Traceback", "resources.py", "/work/", "site-packages"):
        assert leak not in html, leak


def test_a_wrong_header_shows_the_message_without_a_traceback(client, catalogue, editor):
    client.force_login(editor)
    before = database_state()
    response = upload(client, "practice", b"foo,bar\n1,2\n")
    assert_one_line_error(response, "表头（第 1 行）", "无法识别的列：foo")
    assert database_state() == before


@pytest.mark.parametrize(("content", "fmt", "name", "expected"), [
    # a cell over the limit (the 21 MB cell, scaled down to just over the limit)
    (("number,name\n1," + "长" * 140_000 + "\n").encode(), CSV, "x.csv", "第 2 行"),
    # an unclosed quote that runs to the end of the file
    (HEADER.encode() + b'\n1,"abc\n', CSV, "x.csv", "第 2 行"),
    # a row with fewer cells than the header
    (HEADER.encode() + b"\n1,name,1\n", CSV, "x.csv", "第 2 行有 3 列"),
    # neither UTF-8 nor GB18030
    (b"\xff\xfe\x00\xd8\x00\xdc\x81\x30" * 3, CSV, "x.csv", "无法识别文件编码"),
    (b"PK\x03\x04 not really a workbook", XLSX, "x.xlsx", "不是有效的 XLSX 文件"),
    (b'[{"number": 1,', JSON, "x.json", "JSON 第 1 行"),
])
def test_an_unreadable_file_names_the_problem_and_changes_nothing(client, catalogue, editor, content, fmt, name,
                                                                  expected):
    client.force_login(editor)
    before = database_state()
    response = upload(client, "practice", content, fmt=fmt, name=name)
    assert_one_line_error(response, expected)
    assert database_state() == before


def test_a_file_over_the_size_limit_is_refused_with_a_clear_message(client, catalogue, editor, monkeypatch):
    from practices.resources import formats

    monkeypatch.setattr(formats, "MAX_IMPORT_BYTES", 1024)
    client.force_login(editor)
    before = database_state()
    response = upload(client, "practice", csv_bytes(practice_row(1), practice_row(2), practice_row(3)))
    assert_one_line_error(response, "文件太大", "拆成几个文件")
    assert database_state() == before


def test_the_preview_needs_no_query_per_row(client, catalogue, editor, django_assert_max_num_queries):
    """Prefetched keys, cached names: 50 rows cost what 5 do, plus a savepoint pair per row."""
    client.force_login(editor)
    rows = [f"{1000 + n},新做法{n},1,,draft,青岛市,【青岛市】内容{n},{SOURCE}" for n in range(50)]
    upload(client, "practice", csv_bytes(*rows[:5]))  # warm: sessions, permissions, URL modules
    with django_assert_max_num_queries(40 + 2 * 50):
        preview = upload(client, "practice", csv_bytes(*rows))
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert [row.import_type for row in result.rows] == ["new"] * 50
    assert not Practice.objects.filter(number__gte=1000).exists()  # the preview wrote nothing


# --------------------------------------------------------------------------- the batched confirm (import_writes)


def test_the_confirm_needs_no_query_per_row(client, catalogue, editor, django_assert_max_num_queries):
    """New practices and their entries are written in batches: 60 rows cost what 6 do."""
    client.force_login(editor)
    rows = [f"{1000 + n},新做法{n},1,,draft,青岛市;成都市,\"【青岛市】内容{n}\n【成都市】成都{n}\",{SOURCE}"
            for n in range(60)]
    confirm(client, "practice", upload(client, "practice", csv_bytes(*rows[:6])))  # warm
    preview = upload(client, "practice", csv_bytes(*rows[6:]))
    with django_assert_max_num_queries(60):
        done = confirm(client, "practice", preview)
    assert "导入完成：新增 54 条" in done.content.decode()
    assert PracticeEntry.objects.filter(practice__number__gte=1000).count() == 120


def test_updates_are_written_in_batches_at_their_version_with_history(client, catalogue, editor,
                                                                      django_assert_max_num_queries):
    from practices.search.index import record_documents, search_index_rebuild

    client.force_login(editor)
    before = {p.number: p for p in Practice.objects.filter(number__lte=30)}
    fingerprints = dict(Practice.objects.values_list("number", "load_fingerprint"))
    preview = upload(client, "practice", csv_bytes(*[practice_row(n, name=f"批量改名{n}") for n in before]))
    with django_assert_max_num_queries(60):
        confirm(client, "practice", preview)
    for number, old in before.items():
        practice = Practice.objects.get(number=number)
        assert (practice.name, practice.version) == (f"批量改名{number}", old.version + 1)
        assert practice.updated > old.updated and practice.load_fingerprint == fingerprints[number]
        latest = practice.history.latest()
        assert (latest.history_type, latest.history_user, latest.history_change_reason, latest.version) == (
            "~", editor, "批量导入", practice.version)
        texts = [e.text for e in practice.entries.order_by("position")]
        assert (practice.search_title, practice.search_document) == record_documents(
            practice.name, "\n".join([practice.name, *texts]))
    # The search index agrees with the new names: rebuilding changes nothing.
    assert sum(search_index_rebuild(practices=list(before.values())).changed.values()) == 0


def test_entries_that_move_change_or_arrive_are_written_with_history(client, catalogue, reviewer):
    from django.contrib.auth.models import Permission

    reviewer.user_permissions.add(Permission.objects.get(codename="delete_practiceentry"))
    client.force_login(reviewer)
    practice = Practice.objects.get(number=1)
    old = list(practice.entries.order_by("position"))
    assert len(old) >= 2
    first, second = old[0], old[1]
    cities = f"{second.city.name};{first.city.name};温州市"
    entries = f"【{second.city.name}】{second.text}\n【{first.city.name}】改过的文字。\n【温州市】新来的。"
    preview = upload(client, "practice", csv_bytes(practice_row(1, cities=cities, entries=entries)))
    assert not preview.context["result"].invalid_rows, preview.context["result"].invalid_rows[0].error_dict
    confirm(client, "practice", preview)
    now = {e.city.name: e for e in practice.entries.all()}
    assert [(e.city.name, e.position) for e in sorted(now.values(), key=lambda e: e.position)] == [
        (second.city.name, 1), (first.city.name, 2), ("温州市", 3)]
    moved, changed = now[second.city.name], now[first.city.name]
    assert (moved.pk, moved.version, moved.text) == (second.pk, second.version + 1, second.text)
    assert (changed.pk, changed.version, changed.text) == (first.pk, first.version + 1, "改过的文字。")
    for entry in (moved, changed):
        latest = entry.history.latest()
        assert (latest.history_user, latest.history_change_reason, latest.position) == (reviewer, "导入", entry.position)
    assert now["温州市"].history.get().history_type == "+"
    deleted = {e.city.name for e in old[2:]}
    for entry in old[2:]:
        assert entry.history.latest().history_type == "-"
    assert not deleted & set(now)


def _writes(*practices, created=False, entries=None):
    from practices.import_writes import PracticeWrite

    return [PracticeWrite(row_number=n, row={}, practice=p, created=created, entries=entries,
                          stored_entries=list(p.entries.all()) if not created else ())
            for n, p in enumerate(practices, start=1)]


def test_a_record_changed_meanwhile_is_a_conflict_naming_the_row_and_nothing_is_written(catalogue, editor):
    from practices.import_writes import ImportRowError, practices_import_write

    first, second = Practice.objects.get(number=1), Practice.objects.get(number=2)
    first.name, second.name = "甲", "乙"
    Practice.objects.filter(pk=second.pk).update(version=second.version + 1)  # someone saved meanwhile
    before = database_state()
    with pytest.raises(ImportRowError) as raised:
        practices_import_write(writes=_writes(first, second), user=editor)
    assert raised.value.write.row_number == 2 and "保存被拒绝" in raised.value.message
    assert database_state() == before


def test_a_row_the_database_refuses_is_named_and_nothing_is_written(catalogue, editor):
    from practices.import_writes import ImportRowError, practices_import_write

    category, source = Category.objects.get(number=1), Practice.objects.get(number=1).source
    fresh = [Practice(number=900 + n, name=f"新{n}", category=category, source=source) for n in range(3)]
    fresh[1].number = 5  # taken meanwhile by someone else: the unique constraint refuses it
    before = database_state()
    with pytest.raises(ImportRowError) as raised:
        practices_import_write(writes=_writes(*fresh, created=True, entries=[]), user=editor)
    assert raised.value.write.row_number == 2 and "数据库拒绝写入" in raised.value.message
    assert database_state() == before and not Practice.objects.filter(number__gte=900).exists()


def test_a_write_that_bypassed_history_is_recorded_before_the_import(catalogue, editor):
    from practices.import_writes import practices_import_write

    Practice.objects.filter(number=3).update(name="直接改的")  # no history record
    practice = Practice.objects.get(number=3)
    practice.name = "导入的"
    practices_import_write(writes=_writes(practice), user=editor)
    imported, drift = practice.history.order_by("-history_date", "-history_id")[:2]
    assert (drift.name, drift.history_user, drift.history_change_reason) == ("直接改的", None, "同步载入程序的直接更改")
    assert (imported.name, imported.history_user) == ("导入的", editor)


def test_the_confirm_refuses_deleting_entries_without_the_permission(catalogue, editor):
    from practices.import_writes import ImportRowError, practices_import_write

    practice = Practice.objects.get(number=1)
    keep = practice.entries.order_by("position").first()
    before = database_state()
    with pytest.raises(ImportRowError, match="删除需要删除权限"):
        practices_import_write(writes=_writes(practice, entries=[(keep.city, keep.text)]), user=editor)
    assert database_state() == before


def test_a_conflict_found_at_confirm_names_the_row_and_why(client, catalogue, editor, monkeypatch):
    from django.db.models import F

    from practices.resources import PracticeResource

    client.force_login(editor)
    preview = upload(client, "practice", csv_bytes(practice_row(1, name="甲"), practice_row(2, name="乙")))
    before = database_state()
    read = PracticeResource.before_import

    def read_then_someone_saves(self, dataset, **kwargs):
        read(self, dataset, **kwargs)
        if not kwargs.get("dry_run"):  # someone saves #2 after the confirm read it (PostgreSQL allows this)
            Practice.objects.filter(number=2).update(version=F("version") + 1)

    monkeypatch.setattr(PracticeResource, "before_import", read_then_someone_saves)
    body = confirm(client, "practice", preview).content.decode()
    assert "导入失败，数据库未作任何改动（第 2 条记录（表格第 3 行）：保存被拒绝" in body
    assert database_state() == before  # the other save rolled back with the import here: same transaction


def test_a_file_for_a_background_job_says_so_with_an_estimate_before_confirm(client, catalogue, editor, settings):
    settings.IMPORT_BACKGROUND_ROWS = 2
    client.force_login(editor)
    body = upload(client, "practice", csv_bytes(*[practice_row(n, name=f"新名{n}") for n in (1, 2, 3)]))
    text = body.content.decode()
    assert "这个文件有 3 行，超过 2 行：确认导入后会作为后台任务运行，预计需要约 1 秒" in text
    settings.IMPORT_BACKGROUND_ROWS = 3
    assert "后台任务" not in upload(client, "practice", csv_bytes(practice_row(1, name="新名"))).content.decode()
