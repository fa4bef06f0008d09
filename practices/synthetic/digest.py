"""``synthetic_digest()``: a content hash of a synthetic set that proves generation is deterministic."""
from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from django.db import models

from ..models import CaseReport, Metric, Practice, PracticeEntry, RelatedPractice, SourceDocument
from .sets import SyntheticError, source_filename


def synthetic_digest(*, seed: int) -> str:
    """SHA-256 of the synthetic set of ``seed``'s content, independent of ids, timestamps and
    where its numbers start (numbers are taken relative to the set's first)."""
    source = SourceDocument.objects.filter(filename=source_filename(seed)).first()
    if source is None:
        raise SyntheticError(f"没有种子 {seed} 的合成数据。")
    digest = hashlib.sha256()
    practices = Practice.objects.filter(source=source)
    first = practices.aggregate(low=models.Min("number"))["low"] or 0

    def feed(*values: object) -> None:
        digest.update(json.dumps(values, ensure_ascii=False, default=str).encode("utf-8") + b"\n")

    for row in practices.order_by("number").values_list("number", "name", "category__number", "status",
                                                         "published_at", "raw_text"):
        feed("practice", row[0] - first, *row[1:5], row[5].split("\n", 1)[-1])
    for row in (PracticeEntry.objects.filter(practice__source=source)
                .order_by("practice__number", "position")
                .values_list("practice__number", "position", "city__slug", "text")):
        feed("entry", row[0] - first, *row[1:])
    metric_fields = ("position", "raw", "value", "high", "unit", "normalized_value", "normalized_high",
                     "normalized_unit", "kind", "qualifier", "label", "as_of", "as_of_year", "as_of_month",
                     "sentence", "offset")
    for row in (Metric.objects.filter(entry__practice__source=source)
                .order_by("entry__practice__number", "entry__position", "position")
                .values_list("entry__practice__number", "entry__position", *metric_fields)):
        feed("metric", row[0] - first, *(format(v.normalize(), "f") if isinstance(v, Decimal) else v
                                         for v in row[1:]))
    reports = (CaseReport.objects.filter(source=source).select_related("province").order_by("position")
               .prefetch_related("cities", "categories"))
    for report in reports:
        feed("report", report.position, report.title, report.kicker, report.province.name, report.body,
             sorted(c.slug for c in report.cities.all()), sorted(c.number for c in report.categories.all()))
    for row in (RelatedPractice.objects.filter(case_report__source=source)
                .order_by("case_report__position", "rank")
                .values_list("case_report__position", "practice__number", "score", "rank")):
        feed("related", row[0], row[1] - first, format(row[2].normalize(), "f"), row[3])
    for row in (Metric.objects.filter(case_report__source=source)
                .order_by("case_report__position", "position")
                .values_list("case_report__position", *metric_fields)):
        feed("report-metric", *(format(v.normalize(), "f") if isinstance(v, Decimal) else v for v in row))
    return digest.hexdigest()
