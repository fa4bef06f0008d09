"""Case reports as loaded: one record per article, located, linked, simplified."""
from __future__ import annotations

import re

import pytest

from practices.importer.normalize import has_traditional
from practices.models import CaseReport, SourceDocument

pytestmark = pytest.mark.django_db

PINYIN_NOTE = r"[(（][a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*[)）]"


@pytest.mark.parametrize(
    ("filename", "count"),
    [("000_8012fb836a8dc870.txt", 4), ("001_89178abc7061ee5b.txt", 4),
     ("002_8e4d4544b0229087.txt", 1), ("004_5920e912d40b6210.txt", 5)],
)
def test_articles_per_document(catalogue, filename, count):
    assert CaseReport.objects.published().filter(source__filename=filename).count() == count


@pytest.mark.parametrize(
    ("filename", "position", "province", "city"),
    [
        ("000_8012fb836a8dc870.txt", 1, "山西省", None),
        ("000_8012fb836a8dc870.txt", 2, "浙江省", "温州市"),
        ("000_8012fb836a8dc870.txt", 3, "福建省", "厦门市"),
        ("001_89178abc7061ee5b.txt", 2, "浙江省", "宁波市"),
        ("001_89178abc7061ee5b.txt", 3, "辽宁省", "大连市"),
        ("001_89178abc7061ee5b.txt", 4, "湖北省", "武汉市"),
        ("002_8e4d4544b0229087.txt", 1, "安徽省", "合肥市"),
        ("004_5920e912d40b6210.txt", 4, "广东省", "深圳市"),
        ("004_5920e912d40b6210.txt", 5, "河南省", "驻马店市"),
    ],
)
def test_each_article_is_placed_in_the_province_it_reports_on(catalogue, filename, position, province, city):
    report = CaseReport.objects.get_by_natural_key(filename, position)
    assert report.province.name == province
    if city:
        assert city in {c.name for c in report.cities.all()}
    for mentioned in report.cities.select_related("province"):
        assert mentioned.province_id and mentioned.slug


def test_ordinary_words_did_not_become_cities(catalogue):
    names = set(CaseReport.objects.values_list("cities__name", flat=True))
    assert not names & {"合作市", "灯塔市", "保山市", "县"}


def test_no_traditional_character_or_pinyin_annotation_is_left(catalogue):
    import re

    for report in CaseReport.objects.all():
        for text in (report.title, report.subtitle, report.kicker, report.byline, report.body):
            assert not has_traditional(text), (report, text[:40])
            assert not re.search(PINYIN_NOTE, text), report


def test_the_anhui_raw_original_is_kept_verbatim(catalogue, settings):
    source = SourceDocument.objects.get(filename="002_8e4d4544b0229087.txt")
    raw = (settings.SOURCES_DIR / source.filename).read_text(encoding="utf-8")
    assert source.raw_text == raw
    assert has_traditional(raw) and re.search(PINYIN_NOTE, raw)


def test_non_article_parts_stay_on_the_source_document(catalogue):
    source = SourceDocument.objects.get(filename="004_5920e912d40b6210.txt")
    labels = {part["label"] for part in source.non_article_parts}
    assert "editor_note" in labels
    for report in source.case_reports.all():
        assert "编者按" not in report.body


def test_the_wenzhou_two_healths_article_surfaces_wenzhou_practices(catalogue):
    report = CaseReport.objects.get(title__startswith="民企“守望者”")
    suggested = [link.practice.number for link in report.practice_links.order_by("rank")]
    assert len(suggested) == 5
    # 59 (健康发展/健康成长 evaluation) and 32 (两个健康 regulation) are 温州's.
    assert {59, 32} <= set(suggested)
    for number in (59, 32):
        assert report.practice_links.get(practice__number=number).practice.entries.filter(city__name="温州市").exists()


def test_suggestions_are_ranked_scored_and_pending_review(catalogue):
    for report in CaseReport.objects.prefetch_related("practice_links"):
        links = sorted(report.practice_links.all(), key=lambda link: link.rank)
        assert [link.rank for link in links] == list(range(1, len(links) + 1))
        assert all(0 < link.score <= 1 for link in links)
        assert [link.score for link in links] == sorted((link.score for link in links), reverse=True)
        assert all(link.confirmed is None for link in links)
        assert report.categories.exists()


def test_staff_decisions_on_suggestions_survive_a_reload(catalogue):
    from django.core.management import call_command

    report = CaseReport.objects.get(title__startswith="厦门引金融活水")
    rejected = report.practice_links.order_by("rank").first()
    rejected.confirmed = False
    rejected.save()
    call_command("load_catalogue", verbosity=0)
    rejected.refresh_from_db()
    assert rejected.confirmed is False


def test_case_report_metrics_are_extracted(catalogue):
    report = CaseReport.objects.get(title__startswith="山西护航")
    assert report.metrics.filter(raw="73个").exists()
