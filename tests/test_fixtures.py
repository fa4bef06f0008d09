"""export_catalogue: deterministic natural-key fixtures that round-trip exactly."""
from __future__ import annotations

import datetime
import json
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command

from practices.fixture_export import FIXTURE_MODELS, FixtureJSONEncoder, catalogue_export_fixture

pytestmark = pytest.mark.django_db
VOLATILE = {"created", "updated", "published_at"}


def test_two_exports_are_byte_identical_and_readable(catalogue, tmp_path: Path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    call_command("export_catalogue", "--output", str(first), verbosity=0)
    call_command("export_catalogue", "--output", str(second), verbosity=0)
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="utf-8")
    assert "推进企业开办智能化、极简化" in text  # Chinese left unescaped
    assert '"pk"' not in text  # natural keys, no auto-increment ids


def test_export_writes_utf8_whatever_the_locale(catalogue, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("LC_ALL", "C")
    monkeypatch.setenv("PYTHONIOENCODING", "ascii")
    target = tmp_path / "c.json"
    call_command("export_catalogue", "--output", str(target), verbosity=0)
    json.loads(target.read_bytes().decode("utf-8"))


def _strip_volatile(text: str) -> list:
    records = json.loads(text)
    for record in records:
        for name in VOLATILE:
            record["fields"].pop(name, None)
    return records


def test_the_committed_fixture_matches_the_loader(catalogue):
    """Fails when fixtures/catalogue.json drifts from the sources or the loader.

    Timestamps are the only fields allowed to differ (they record when a load
    ran); rebuild with `make fixtures`.
    """
    committed = (settings.FIXTURES_DIR / "catalogue.json").read_text(encoding="utf-8")
    assert _strip_volatile(committed) == _strip_volatile(catalogue_export_fixture())


def test_loaddata_into_an_empty_database_reproduces_the_catalogue_exactly(catalogue, tmp_path: Path):
    exported = catalogue_export_fixture()
    path = tmp_path / "catalogue.json"
    path.write_text(exported, encoding="utf-8")
    for model, _ in reversed(FIXTURE_MODELS):
        model._default_manager.all().delete()
    assert json.loads(catalogue_export_fixture()) == []

    call_command("loaddata", str(path), verbosity=0, stdout=StringIO())

    assert catalogue_export_fixture() == exported


def test_the_committed_fixture_loads_and_exports_to_the_same_bytes(catalogue):
    """The committed fixture is exported on SQLite (`make fixtures`); on PostgreSQL too, it comes back
    byte for byte: no precision lost, no order that depends on the database."""
    path = settings.FIXTURES_DIR / "catalogue.json"
    for model, _ in reversed(FIXTURE_MODELS):
        model._default_manager.all().delete()

    call_command("loaddata", str(path), verbosity=0, stdout=StringIO())

    assert catalogue_export_fixture() == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.UTC), "2024-05-06T07:08:09.123456Z"),
        (datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.UTC), "2024-05-06T07:08:09.000000Z"),
        (datetime.datetime(2024, 5, 6, 7, 8, 9, 500, tzinfo=datetime.UTC), "2024-05-06T07:08:09.000500Z"),
        (datetime.datetime(2024, 5, 6, 15, 8, 9, 1, tzinfo=ZoneInfo("Asia/Shanghai")), "2024-05-06T07:08:09.000001Z"),
    ],
)
def test_datetimes_are_exported_in_utc_to_the_microsecond_at_a_fixed_width(value, expected):
    assert json.dumps(value, cls=FixtureJSONEncoder) == json.dumps(expected)


def test_timestamps_keep_their_microseconds_through_export_and_loaddata(catalogue, tmp_path: Path):
    """The API shows published_at to the microsecond: a restore must not round it."""
    from practices.models import CaseReport

    stamps = {
        report.natural_key(): datetime.datetime(2024, 5, 6, 7, 8, 9, microsecond, tzinfo=datetime.UTC)
        for report, microsecond in zip(CaseReport.objects.order_by("source__filename", "position")[:3],
                                       (123456, 0, 999), strict=True)
    }
    for (filename, position), stamp in stamps.items():
        CaseReport.objects.filter(source__filename=filename, position=position).update(published_at=stamp)
    exported = catalogue_export_fixture()
    for text in ("2024-05-06T07:08:09.123456Z", "2024-05-06T07:08:09.000000Z", "2024-05-06T07:08:09.000999Z"):
        assert f'"published_at": "{text}"' in exported
    path = tmp_path / "catalogue.json"
    path.write_text(exported, encoding="utf-8")
    for model, _ in reversed(FIXTURE_MODELS):
        model._default_manager.all().delete()

    call_command("loaddata", str(path), verbosity=0, stdout=StringIO())

    for key, stamp in stamps.items():
        assert CaseReport.objects.get_by_natural_key(*key).published_at == stamp
    assert catalogue_export_fixture() == exported


def test_json_fields_are_exported_with_sorted_keys_whatever_the_database(catalogue):
    """PostgreSQL's jsonb reorders object keys (shortest first), SQLite keeps them as written."""
    from practices.models import SourceDocument

    document = SourceDocument.objects.order_by("filename").first()
    # Written order zz, b, aaa; jsonb's b, zz, aaa; sorted aaa, b, zz.
    document.non_article_parts = [{"zz": 1, "b": {"yy": 1, "x": 2}, "aaa": [{"k2": 1, "k1": 2}]}]
    document.save(update_fields=["non_article_parts"])

    records = json.loads(catalogue_export_fixture(), object_pairs_hook=list)
    fields = next(dict(dict(record)["fields"]) for record in records
                  if dict(record)["model"] == "practices.sourcedocument"
                  and dict(dict(record)["fields"])["filename"] == document.filename)
    assert fields["non_article_parts"] == [[("aaa", [[("k1", 2), ("k2", 1)]]), ("b", [("x", 2), ("yy", 1)]), ("zz", 1)]]


def test_published_only_leaves_out_drafts_their_dependants_and_verifiers(catalogue, user_factory):
    """The data release's fixture: what the public may see, and nothing else changed."""
    from django.utils import timezone

    from practices.models import CaseReport, Metric, Practice, Status

    assert catalogue_export_fixture(published_only=True) == catalogue_export_fixture()  # all published
    Practice.objects.filter(number=5).update(status=Status.DRAFT)
    report = CaseReport.objects.filter(metrics__isnull=False).order_by("pk").first()
    CaseReport.objects.filter(pk=report.pk).update(status=Status.DRAFT)
    Metric.objects.filter(pk=Metric.objects.filter(entry__practice__number=6).first().pk).update(
        verified=True, verified_at=timezone.now(), verified_by=user_factory(username="reviewer-x"))

    full = json.loads(catalogue_export_fixture())
    public = json.loads(catalogue_export_fixture(published_only=True))
    drafts_part = [obj for obj in full if obj not in public]
    dropped_models = {obj["model"] for obj in drafts_part}
    assert {"practices.practice", "practices.practiceentry", "practices.casereport", "practices.metric",
            "practices.relatedpractice"} <= dropped_models
    numbers = {obj["fields"]["number"] for obj in public if obj["model"] == "practices.practice"}
    assert 5 not in numbers and len(numbers) == 71
    key = [report.source.filename, report.position]
    for obj in public:
        fields = obj["fields"]
        if obj["model"] in {"practices.practiceentry", "practices.relatedpractice"}:
            assert fields["practice"][0] != 5
        if obj["model"] in {"practices.metric", "practices.relatedpractice"}:
            assert fields.get("case_report") != key
        if obj["model"] == "practices.metric":
            assert fields["verified_by"] is None and (fields["entry"] is None or fields["entry"][0] != 5)
    assert any(obj["model"] == "practices.metric" and obj["fields"]["verified_by"] == ["reviewer-x"] for obj in full)
