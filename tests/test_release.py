"""The versioned data release: build_release, the zip's members and checksums, determinism."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile

import openpyxl
import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

MEMBERS = [
    "catalogue.json", "practices.csv", "practices.xlsx", "practices.json",
    "case-reports.csv", "case-reports.xlsx", "case-reports.json", "metrics.csv", "metrics.xlsx", "metrics.json",
    "codebook.json", "codebook.md", "README.md", "LICENSE", "SHA256SUMS",
]


@pytest.fixture
def release(catalogue):
    from practices.release import release_build

    return release_build()


def members_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def test_command_writes_the_versioned_zip(catalogue, tmp_path):
    out = io.StringIO()
    call_command("build_release", output_dir=tmp_path, version="2024.1-test", stdout=out)
    path = tmp_path / "catalogue-2024.1-test.zip"
    assert path.exists()
    assert str(path) in out.getvalue() and "2024.1-test" in out.getvalue()
    assert list(members_of(path.read_bytes())) == MEMBERS


def test_command_default_version_and_directory(catalogue, tmp_path, settings):
    settings.BASE_DIR = tmp_path
    quiet = io.StringIO()
    call_command("build_release", verbosity=0, stdout=quiet)
    assert quiet.getvalue() == ""
    [path] = (tmp_path / "var" / "release").glob("catalogue-*.zip")
    assert re.fullmatch(r"catalogue-\d{4}\.\d{2}\.\d{2}-[0-9a-f]{8}\.zip", path.name)


@pytest.mark.parametrize("version", ["../evil", "a b", "", "-x", "版本", "x" * 65])
def test_command_rejects_unsafe_versions(catalogue, tmp_path, version):
    with pytest.raises(CommandError):
        call_command("build_release", output_dir=tmp_path, version=version, verbosity=0)
    assert not list(tmp_path.iterdir())


def test_command_reports_an_unwritable_directory(catalogue, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(CommandError, match="无法写入"):
        call_command("build_release", output_dir=blocker / "sub", verbosity=0)


def test_checksums_cover_every_member(release):
    members = members_of(release.data)
    lines = members["SHA256SUMS"].decode().splitlines()
    listed = {}
    for line in lines:
        digest, name = line.split("  ", 1)
        listed[name] = digest
    assert sorted(listed) == sorted(name for name in MEMBERS if name != "SHA256SUMS")
    for name, digest in listed.items():
        assert hashlib.sha256(members[name]).hexdigest() == digest, name


def test_two_builds_are_byte_identical(catalogue):
    from practices.release import release_build

    first, second = release_build(), release_build()
    assert first.data == second.data and first.filename == second.filename
    # Timestamps are fixed, not "now": the determinism does not rest on luck.
    with zipfile.ZipFile(io.BytesIO(first.data)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        xlsx = archive.read("practices.xlsx")
    with zipfile.ZipFile(io.BytesIO(xlsx)) as workbook:
        assert {info.date_time for info in workbook.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = workbook.read("docProps/core.xml").decode()
    assert re.findall(r"<dcterms:modified[^>]*>([^<]*)<", core) == ["1980-01-01T00:00:00Z"]


def test_version_follows_the_data(catalogue):
    from practices.models import Practice
    from practices.release import release_build

    before = release_build().version
    Practice.objects.filter(number=3).update(name="改过的名称")
    after = release_build().version
    assert before != after
    assert before.split("-")[-1] != after.split("-")[-1]


def test_members_hold_the_published_catalogue(release, client):
    members = members_of(release.data)
    practices = list(csv.reader(io.StringIO(members["practices.csv"].decode("utf-8-sig"))))
    assert len(practices) == 1 + 72
    assert members["practices.csv"] == b"".join(client.get("/practices/export.csv").streaming_content)
    assert members["practices.json"] == b"".join(client.get("/practices/export.json").streaming_content)
    assert len(json.loads(members["practices.json"])) == 72
    sheet = openpyxl.load_workbook(io.BytesIO(members["practices.xlsx"])).active
    assert sheet.max_row == 1 + 72
    reports = list(csv.reader(io.StringIO(members["case-reports.csv"].decode("utf-8-sig"))))
    assert len(reports) == 1 + 14

    from practices.models import Metric

    metrics = list(csv.reader(io.StringIO(members["metrics.csv"].decode("utf-8-sig"))))
    assert len(metrics) == 1 + Metric.objects.published().count()
    assert {row[0] for row in metrics[1:]} == {"entry", "case_report"}


def test_fixture_is_the_export_catalogue_fixture(release):
    """With every record published and no verifier, the fixture is export_catalogue's byte for byte."""
    from practices.fixture_export import catalogue_export_fixture
    from practices.models import Metric

    assert not Metric.objects.filter(verified_by__isnull=False).exists()
    assert members_of(release.data)["catalogue.json"] == catalogue_export_fixture().encode("utf-8")


def test_fixture_leaves_out_drafts_and_their_dependants(catalogue, user_factory):
    from django.utils import timezone

    from practices.models import CaseReport, Metric, Practice
    from practices.release import release_build

    Practice.objects.filter(number=5).update(status="draft")
    report = CaseReport.objects.order_by("pk").first()
    CaseReport.objects.filter(pk=report.pk).update(status="draft")
    Metric.objects.filter(pk=Metric.objects.filter(entry__practice__number=6).first().pk).update(
        verified=True, verified_at=timezone.now(), verified_by=user_factory(username="reviewer-x"))

    text = members_of(release_build().data)["catalogue.json"].decode()
    objects = json.loads(text)
    practices = {obj["fields"]["number"] for obj in objects if obj["model"] == "practices.practice"}
    assert 5 not in practices and len(practices) == 71
    reports = {(obj["fields"]["source"][0], obj["fields"]["position"])
               for obj in objects if obj["model"] == "practices.casereport"}
    assert (report.source.filename, report.position) not in reports
    for obj in objects:
        fields = obj["fields"]
        if obj["model"] in {"practices.practiceentry", "practices.relatedpractice"}:
            assert fields["practice"][0] in practices
        if obj["model"] == "practices.metric":
            assert fields["entry"] is None or fields["entry"][0] in practices
            assert fields["case_report"] is None or tuple(fields["case_report"]) in reports
            assert fields["verified_by"] is None
    assert "reviewer-x" not in text


def test_codebook_describes_every_column_of_every_file(release):
    members = members_of(release.data)
    book = json.loads(members["codebook.json"])
    assert book["version"] == release.version
    described = {entry["name"]: entry for entry in book["files"]}
    for name in ("practices.csv", "practices.json", "practices.xlsx", "case-reports.csv", "metrics.csv"):
        columns = {column["name"]: column["description"] for column in described[name]["columns"]}
        if name.endswith(".csv"):
            header = next(csv.reader(io.StringIO(members[name].decode("utf-8-sig"))))
        elif name.endswith(".json"):
            header = list(json.loads(members[name])[0])
        else:
            header = [cell.value for cell in next(openpyxl.load_workbook(io.BytesIO(members[name])).active.rows)]
        assert list(columns) == header, name
        assert all(columns.values()), f"{name}: a column without description"
    fixture_models = {model["model"] for model in described["catalogue.json"]["models"]}
    assert {obj["model"] for obj in json.loads(members["catalogue.json"])} <= fixture_models
    for model in described["catalogue.json"]["models"]:
        assert all(field["description"] for field in model["fields"]), model["model"]
    markdown = members["codebook.md"].decode()
    assert release.version in markdown
    for entry in book["files"]:
        for column in entry.get("columns", []):
            assert f"`{column['name']}`" in markdown


def test_codebook_language_does_not_follow_the_visitor(catalogue, client):
    """The download is built under the default language, so an English visitor gets the same bytes."""
    first = client.get("/data/release.zip", HTTP_ACCEPT_LANGUAGE="en").content
    second = client.get("/data/release.zip", HTTP_ACCEPT_LANGUAGE="zh-hans").content
    assert first == second


def test_release_download(client, release):
    response = client.get("/data/release.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f'filename="catalogue-{release.version}.zip"' in response["Content-Disposition"]
    assert response.content == release.data
    again = client.get("/data/release.zip", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_readme_and_license_say_what_how_many_and_under_which_licence(release):
    members = members_of(release.data)
    readme = members["README.md"].decode()
    book = json.loads(members["codebook.json"])
    counts = {entry["name"]: entry["records"] for entry in book["files"]}
    assert release.version in readme and "CC BY 4.0" in readme and "引用方式" in readme
    assert f"| practices.csv / .xlsx / .json | {counts['practices.csv']} |" in readme
    assert counts["practices.csv"] == 72
    assert "`number`" in readme  # the codebook's columns
    licence = members["LICENSE"].decode()
    assert "creativecommons.org/licenses/by/4.0" in licence and "原发布者" in licence


def test_every_list_is_in_csv_xlsx_and_json_with_the_same_rows(release):
    members = members_of(release.data)
    for stem in ("practices", "case-reports", "metrics"):
        rows = list(csv.reader(io.StringIO(members[f"{stem}.csv"].decode("utf-8-sig"))))
        sheet = list(openpyxl.load_workbook(io.BytesIO(members[f"{stem}.xlsx"])).active.rows)
        assert len(json.loads(members[f"{stem}.json"])) == len(rows) - 1 == len(sheet) - 1, stem


@pytest.fixture
def release_cache(settings, tmp_path):
    settings.RELEASE_CACHE_DIR = tmp_path / "release-cache"
    return settings.RELEASE_CACHE_DIR


def test_the_release_is_built_once_per_revision(catalogue, release_cache, monkeypatch):
    from practices import release as module
    from practices.models import Category

    builds = []
    real_build = module.release_build
    monkeypatch.setattr(module, "release_build", lambda **kw: builds.append(1) or real_build(**kw))
    first = module.release_current()
    second = module.release_current()
    assert len(builds) == 1 and second.data == first.data and second.version == first.version
    assert len(list(release_cache.glob("*--catalogue-*.zip"))) == 1
    # A write gives a new revision: the next download builds again, and the old file goes.
    category = Category.objects.get(number=1)
    category.name_en = "Changed"
    category.save()
    module.release_current()
    assert len(builds) == 2
    assert len(list(release_cache.glob("*--catalogue-*.zip"))) == 1


def test_a_second_download_does_not_rebuild(catalogue, release_cache, monkeypatch, client):
    from practices import release as module

    builds = []
    real_build = module.release_build
    monkeypatch.setattr(module, "release_build", lambda **kw: builds.append(1) or real_build(**kw))
    # A session cookie bypasses the page cache, so the view itself runs twice.
    client.cookies["sessionid"] = "x"
    first = client.get("/data/release.zip")
    second = client.get("/data/release.zip")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and len(builds) == 1
