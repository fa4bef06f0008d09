"""Provenance for people: source descriptions, dates, citations, the data page (issue 14, item 6)."""
from __future__ import annotations

import hashlib
import re
from io import StringIO

import pytest
from django.core.management import call_command

from practices.models import CaseReport, Category, Practice, SourceDocument

pytestmark = pytest.mark.django_db


def full_load() -> None:
    call_command("load_catalogue", "--full", stdout=StringIO(), verbosity=1)


def test_every_source_has_a_title_and_says_what_is_not_stated(catalogue):
    sources = {s.filename: s for s in SourceDocument.objects.all()}
    assert len(sources) == 5
    for source in sources.values():
        assert source.title, source.filename
        # No source prints a full date: none is invented, each says what the text shows instead.
        assert source.date is None and source.date_note, source.filename
    assert sources["003_0afe494a00c202ac.txt"].title == "支持民营企业改革发展的典型做法"
    # 000 and 001 print no title: the cataloguer's is in square brackets, and says so.
    for name in ("000_8012fb836a8dc870.txt", "001_89178abc7061ee5b.txt"):
        assert sources[name].title_supplied and sources[name].publisher == ""
    assert not sources["004_5920e912d40b6210.txt"].title_supplied
    assert sources["002_8e4d4544b0229087.txt"].publisher == "安徽省工商联"


def test_published_at_is_the_sources_date_never_the_load_time(catalogue):
    # The sources print no date, so a loaded record has none rather than the load's.
    assert not Practice.objects.filter(published_at__isnull=False).exists()
    assert not CaseReport.objects.filter(published_at__isnull=False).exists()


def test_a_dated_source_dates_the_records_loaded_from_it(catalogue, tmp_path, settings):
    import datetime
    import shutil

    manifests = tmp_path / "manifests"
    shutil.copytree(settings.MANIFESTS_DIR, manifests)
    path = manifests / "004_5920e912d40b6210.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('date = ""', 'date = "2023-07-05"', 1), encoding="utf-8")
    CaseReport.objects.filter(source__filename="004_5920e912d40b6210.txt").delete()
    call_command("load_catalogue", "--full", "--manifests-dir", str(manifests), stdout=StringIO())
    source = SourceDocument.objects.get(filename="004_5920e912d40b6210.txt")
    assert source.date == datetime.date(2023, 7, 5)
    stamps = set(CaseReport.objects.filter(source=source).values_list("published_at", flat=True))
    assert stamps == {datetime.datetime(2023, 7, 4, 16, 0, tzinfo=datetime.UTC)}  # midnight in Beijing


def test_staff_corrections_of_a_source_survive_a_reload(catalogue):
    SourceDocument.objects.filter(filename="000_8012fb836a8dc870.txt").update(publisher="中华工商时报")
    Category.objects.filter(number=2).update(name_en="Financing")
    full_load()
    assert SourceDocument.objects.get(filename="000_8012fb836a8dc870.txt").publisher == "中华工商时报"
    assert Category.objects.get(number=2).name_en == "Financing"
    # --overwrite restores the manifest's values.
    call_command("load_catalogue", "--overwrite", stdout=StringIO())
    assert SourceDocument.objects.get(filename="000_8012fb836a8dc870.txt").publisher == ""
    assert Category.objects.get(number=2).name_en == "Easing private enterprises' financing difficulties"


def test_case_report_page_cites_the_source_by_title_once_without_the_file_name(client, catalogue):
    html = client.get("/case-reports/000/1/").content.decode()
    assert "000_8012fb836a8dc870.txt" not in html
    assert html.count("[报纸版面：工商联服务民营企业——山西、浙江、厦门、陕西]") == 2  # the 来源 line and the citation
    assert "■" not in html
    assert "引用格式" in html and "发布者未注明" in html and "日期未注明" in html
    assert re.search(r"原文第 \d+–\d+ 行", html)
    assert "http://testserver/case-reports/000/1/" in html


def test_practice_page_has_a_how_to_cite_line(client, catalogue):
    practice = Practice.objects.get(number=23)
    html = client.get("/practices/23/").content.decode()
    assert "《支持民营企业改革发展的典型做法》" in html
    assert f"原文第 {practice.line_start}–{practice.line_end} 行" in html
    assert "第 23 项" in html and "http://testserver/practices/23/" in html
    english = client.get("/en/practices/23/").content.decode()
    assert "http://testserver/en/practices/23/" in english


def test_the_citation_names_the_revision_the_page_shows_without_asking_again(client, admin_client, catalogue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from practices.models import CatalogueRevision

    changed = CatalogueRevision.objects.get(key=1).changed
    stamp = timezone.localtime(changed).strftime("%Y-%m-%d %H:%M")
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/practices/23/").content.decode()
    assert stamp in html[html.index("http://testserver/practices/23/"):]
    # The page-cache middleware read the time with the revision token: the only revision query.
    assert sum("practices_cataloguerevision" in query["sql"] for query in queries.captured_queries) == 1
    # Staff pass by the page cache; their citation asks the database and names the same time.
    assert stamp in admin_client.get("/practices/23/").content.decode()


def test_about_is_a_data_page(client, catalogue):
    html = client.get("/about/").content.decode()
    assert "CC BY 4.0" in html and 'rel="license"' in html
    assert "版权仍归原发布者所有" in html
    details = html[html.index("<details"):html.index("</details>")]
    for source in SourceDocument.objects.all():
        assert source.sha256 in details
        assert f'id="source-{source.slug}"' in html
    # The codebook lists every exported column, with a type and an example, from the export definitions.
    from practices.lists import PRACTICES

    for field in PRACTICES.resource_class(published_only=True).get_export_fields():
        assert f"<code>{field.column_name}</code>" in html
    assert "整数" in html and "示例" in html
    for link in ("/data/release.zip", "/practices/export.csv", "/case-reports/export.xlsx", "/metrics/export.json"):
        assert link in html
    assert "最近更新" in html


def test_source_checksums_on_the_data_page_are_the_files(client, catalogue, settings):
    html = client.get("/about/").content.decode()
    for name in ("003_0afe494a00c202ac.txt", "000_8012fb836a8dc870.txt"):
        digest = hashlib.sha256((settings.SOURCES_DIR / name).read_bytes()).hexdigest()
        assert digest in html
