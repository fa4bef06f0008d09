"""load_catalogue: idempotent, transactional, never overwrites staff work."""
from __future__ import annotations

import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from practices.fixture_export import catalogue_export_fixture
from practices.models import CaseReport, Category, City, Metric, Practice, PracticeEntry, SourceDocument

pytestmark = pytest.mark.django_db


def run_load(*args: str) -> str:
    out = StringIO()
    call_command("load_catalogue", *args, stdout=out, verbosity=1)
    return out.getvalue()


def test_the_loaded_catalogue_has_72_practices_in_7_categories_from_8_cities(catalogue):
    assert Practice.objects.published().count() == 72
    assert Category.objects.count() == 7
    cities = set(PracticeEntry.objects.values_list("city__name", flat=True))
    assert cities == {"青岛市", "江阴市", "佛山市", "成都市", "温州市", "台州市", "泉州市", "常州市"}
    assert SourceDocument.objects.count() == 5


def test_each_city_belongs_to_its_province(catalogue):
    expected = {"青岛市": "山东省", "江阴市": "江苏省", "佛山市": "广东省", "成都市": "四川省", "温州市": "浙江省",
                "台州市": "浙江省", "泉州市": "福建省", "常州市": "江苏省"}
    for name, province in expected.items():
        assert City.objects.get(name=name).province.name == province


def test_a_second_full_load_changes_nothing_and_says_so(catalogue):
    before = catalogue_export_fixture()
    output = run_load("--full")
    assert "没有改动：数据库已与来源文件一致。" in output
    assert "新增 0，更新 0" in output.split("合计：")[1]
    assert catalogue_export_fixture() == before


def test_an_unchanged_load_checks_the_checksums_and_returns_in_under_a_second(catalogue):
    import time

    started = time.perf_counter()
    output = run_load()
    elapsed = time.perf_counter() - started
    assert "校验和" in output and "无需载入" in output
    assert elapsed < 1.0, f"an unchanged load took {elapsed:.2f} s"


def test_the_load_output_is_in_one_language(catalogue):
    Practice.objects.filter(number=72).delete()
    output = run_load()
    assert re.search(r"[A-Za-z]{3,}", output) is None, output  # "典型做法: created 72…" mixed the two


def test_a_dry_run_shows_what_would_change_and_writes_nothing(catalogue):
    Practice.objects.filter(number=72).delete()
    before = catalogue_export_fixture()
    output = run_load("--dry-run")
    assert "试运行" in output
    practices_line = next(line for line in output.splitlines() if line.startswith("典型做法："))
    assert "新增 1" in practices_line
    assert catalogue_export_fixture() == before
    assert not Practice.objects.filter(number=72).exists()
    # The dry run left no stamp behind: the real load still does the work.
    assert "目录已载入" in run_load()
    assert Practice.objects.filter(number=72).exists()


def test_a_staff_edit_makes_the_next_load_a_full_one(catalogue):
    practice = Practice.objects.get(number=14)
    practice.name = "工作人员改名"
    practice.save()
    output = run_load()
    assert "无需载入" not in output and "跳过 1" in output.split("合计：")[1]


def test_staff_edits_survive_a_reload_and_are_reported(catalogue):
    practice = Practice.objects.get(number=14)
    practice.name = "推行无还本续贷（工作人员修订）"
    practice.save()
    entry = PracticeEntry.objects.get(practice__number=1, city__name="青岛市")
    entry.text = entry.text + "（补充）"
    entry.save()

    output = run_load()

    assert Practice.objects.get(number=14).name == "推行无还本续贷（工作人员修订）"
    assert PracticeEntry.objects.get(pk=entry.pk).text.endswith("（补充）")
    assert "跳过 2" in output.split("合计：")[1]
    assert "推行无还本续贷" in output


def test_overwrite_restores_the_source_values(catalogue):
    Practice.objects.filter(number=14).update(name="改坏的名称")
    run_load("--overwrite")
    assert Practice.objects.get(number=14).name == "推行无还本续贷"


def test_verified_metrics_are_kept_and_not_duplicated(catalogue, user_factory):
    from django.utils import timezone

    metric = Metric.objects.filter(entry__isnull=False).order_by("pk").first()
    count = Metric.objects.count()
    metric.label = "工作人员改写的指标名"
    metric.verified, metric.verified_by, metric.verified_at = True, user_factory(), timezone.now()
    metric.save()

    run_load()

    metric.refresh_from_db()
    assert metric.label == "工作人员改写的指标名" and metric.verified
    assert Metric.objects.count() == count


def test_a_deleted_record_is_recreated(catalogue):
    Practice.objects.filter(number=72).delete()
    output = run_load()
    assert Practice.objects.filter(number=72).exists()
    assert "目录已载入。" in output


@pytest.fixture
def broken_sources(tmp_path: Path) -> Path:
    target = tmp_path / "sources"
    shutil.copytree(settings.SOURCES_DIR, target)
    return target


def test_a_broken_source_fails_naming_file_and_line_and_changes_nothing(catalogue, broken_sources):
    path = broken_sources / "003_0afe494a00c202ac.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    index = lines.index("台州市", 60)  # a source-column line of practice 3
    lines[index] = "泰州市"
    path.write_text("\n".join(lines), encoding="utf-8")
    call_command_sums(broken_sources)
    Practice.objects.filter(number=3).update(name="工作人员改名")
    before = catalogue_export_fixture()

    with pytest.raises(CommandError) as error:
        call_command("load_catalogue", "--sources-dir", str(broken_sources), "--overwrite", verbosity=0)

    assert "003_0afe494a00c202ac.txt" in str(error.value)
    assert f":{index + 1}" in str(error.value)
    assert catalogue_export_fixture() == before


def test_a_changed_source_is_detected_by_its_checksum(catalogue, broken_sources):
    path = broken_sources / "000_8012fb836a8dc870.txt"
    path.write_bytes(path.read_bytes() + b"\n")
    with pytest.raises(CommandError, match="000_8012fb836a8dc870.txt.*SHA256SUMS"):
        call_command("load_catalogue", "--sources-dir", str(broken_sources), verbosity=0)


def test_a_failure_midway_rolls_back_everything(catalogue, monkeypatch):
    from practices.importer import loading

    CaseReport.objects.all().delete()
    Practice.objects.filter(number__in=[1, 2]).delete()
    before = catalogue_export_fixture()

    def explode(self):
        raise RuntimeError("simulated crash after the practices were written")

    monkeypatch.setattr(loading._Loader, "case_reports", explode)
    with pytest.raises(RuntimeError):
        call_command("load_catalogue", verbosity=0)
    assert catalogue_export_fixture() == before


def call_command_sums(directory: Path) -> None:
    """Re-seal a corrupted copy so that the parser, not the checksum, rejects it."""
    import hashlib

    lines = []
    for path in sorted(directory.glob("*.txt")):
        lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}")
    (directory / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_staff_label_corrections_survive_reload_and_re_extraction(catalogue):
    from practices.importer.loading import metrics_sync

    metric = Metric.objects.filter(entry__practice__number=23).order_by("entry_id", "position").first()
    count = Metric.objects.filter(entry=metric.entry).count()
    metric.label = "银行机构（工作人员）"
    metric.save()

    run_load()
    metric.refresh_from_db()
    assert metric.label == "银行机构（工作人员）"

    metrics_sync(owner_field="entry", owner=metric.entry, text=metric.entry.text, describe="re-extraction")
    metric.refresh_from_db()
    assert metric.label == "银行机构（工作人员）"
    assert Metric.objects.filter(entry=metric.entry).count() == count


def test_every_loaded_metric_label_names_a_thing(catalogue):
    from practices.importer.labels import BAD_LABELS, MAX_LABEL, MIN_LABEL

    labels = list(Metric.objects.values_list("label", flat=True))
    assert labels
    bad = [label for label in labels if not MIN_LABEL <= len(label) <= MAX_LABEL or label in BAD_LABELS]
    assert bad == []


def test_a_figure_the_extractor_newly_finds_first_shifts_the_others_without_taking_them_for_edits(catalogue):
    """A better extractor finds a figure before the others in unchanged text (as issue 13's did).

    The database is put in the state an older extractor would have left: the entry's first metric
    missing and the others numbered from 1, fingerprinted as the loader writes them. Re-extraction
    must move them up by one, unedited; before the fix they were parked at 30001+ as "staff-edited".
    """
    from practices.importer.loading import metric_is_edited, metric_value_names, metrics_sync
    from practices.importer.upsert import fingerprint

    entry = (Metric.objects.filter(entry__isnull=False, position=3, verified=False)
             .select_related("entry").first().entry)
    expected = list(Metric.objects.filter(entry=entry).order_by("position").values_list("position", "raw", "label"))
    Metric.objects.filter(entry=entry, position=1).delete()
    for metric in Metric.objects.filter(entry=entry).order_by("position"):
        values = {name: getattr(metric, name) for name in metric_value_names()} | {"position": metric.position - 1}
        Metric.objects.filter(pk=metric.pk).update(position=metric.position - 1, load_fingerprint=fingerprint(values))

    report = metrics_sync(owner_field="entry", owner=entry, text=entry.text, describe="shift")

    after = list(Metric.objects.filter(entry=entry).order_by("position"))
    assert not report.skipped
    assert [(m.position, m.raw, m.label) for m in after] == expected
    assert not any(metric_is_edited(m) for m in after)
