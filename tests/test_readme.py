"""The README's catalogue table and docs/derived-data.md state what a load of the committed sources gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DERIVED_DATA = ROOT / "docs" / "derived-data.md"


def table_row(text: str, name: str) -> str:
    """The cell after ``| name |`` in a markdown table (fails loudly when the row is gone)."""
    match = re.search(rf"^\| {re.escape(name)} \| (.+?) \|$", text, re.MULTILINE)
    assert match, f"no table row {name!r}"
    return match.group(1)


def numbers(cell: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", cell)]


def test_the_readme_counts_what_the_catalogue_holds(catalogue):
    from practices.models import CaseReport, City, Metric, Province, RelatedPractice

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert numbers(table_row(readme, "places")) == [Province.objects.count(), City.objects.count()]
    metrics = numbers(table_row(readme, "metrics"))
    assert metrics == [
        Metric.objects.count(),
        Metric.objects.filter(entry__isnull=False).count(),
        Metric.objects.filter(case_report__isnull=False).count(),
        Metric.objects.values("measure").distinct().count(),
    ]
    assert numbers(table_row(readme, "related-practice suggestions"))[0] == RelatedPractice.objects.count()
    assert numbers(table_row(readme, "case reports"))[0] == CaseReport.objects.count()


def test_derived_data_lists_each_reports_cities_as_loaded(catalogue):
    from practices.models import CaseReport

    doc = DERIVED_DATA.read_text(encoding="utf-8")
    reports = CaseReport.objects.select_related("source", "province").prefetch_related("cities")
    assert reports.count() == 14
    for report in reports.order_by("source__slug", "position"):
        cities = ", ".join(city.name.removesuffix("市") for city in report.cities.all()) or "none"
        province = report.province.name.removesuffix("省")
        row = f"| {report.source.slug} | {report.position} | {province} | {cities}"
        assert row in doc, row


@pytest.mark.parametrize("kind", ["count", "money", "percent", "duration", "ratio", "area", "multiple", "length"])
def test_derived_data_counts_each_kind_of_metric(catalogue, kind):
    from practices.models import Metric

    doc = DERIVED_DATA.read_text(encoding="utf-8")
    assert re.search(rf"\| {kind} \| {Metric.objects.filter(kind=kind).count()} \|", doc), kind
