"""Removing synthetic sets (``synthetic_clear``) and proving a set is deterministic (``synthetic_digest``).

Clearing uses plain DELETEs: Django's own cascade would load every row to send
simple_history's delete signals and log a history row for each. The digest
hashes a set's content, independent of ids, timestamps and where its numbers
start, so two generations of the same seed can be compared on any database.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models, transaction

from practices.catalogue_cache import catalogue_changed
from practices.models import (
    CaseReport,
    City,
    Metric,
    Practice,
    PracticeEntry,
    Province,
    RelatedPractice,
    SourceDocument,
)
from practices.search import search_index_rebuild

from .material import SyntheticError, source_filename, synthetic_sources


@dataclass
class ClearResult:
    sources: list[str] = field(default_factory=list)
    deleted: dict[str, int] = field(default_factory=dict)
    search_index: str = ""
    seconds: float = 0.0


def _purge(queryset: models.QuerySet, deleted: dict[str, int]) -> None:
    """Delete ``queryset`` and, first, everything that cascades from it, with plain DELETEs.

    Django's own cascade would load every row to send simple_history's
    post_delete signals (and write a history row for each); synthetic rows
    never had history, so they leave without it. SET_NULL relations are
    nulled; PROTECT ones make the delete fail inside the transaction.
    """
    model = queryset.model
    keys = queryset.values("pk")
    for relation in model._meta.related_objects:
        related = relation.related_model
        if relation.many_to_many:
            through = relation.through
            if through._meta.auto_created:
                source_field = next(f for f in through._meta.fields if f.related_model is model)
                _raw_delete(through._base_manager.filter(**{f"{source_field.name}__in": keys}), deleted)
            continue
        on_delete = relation.on_delete
        children = related._base_manager.filter(**{f"{relation.field.name}__in": keys})
        if on_delete is models.CASCADE:
            _purge(children, deleted)
        elif on_delete is models.SET_NULL:
            children.update(**{relation.field.name: None})
        elif on_delete is models.PROTECT and children.exists():
            raise SyntheticError(f"{related._meta.verbose_name} 仍引用合成的 {model._meta.verbose_name}，无法清除。")
    for many in model._meta.many_to_many:
        through = many.remote_field.through
        if through._meta.auto_created:
            _raw_delete(through._base_manager.filter(**{f"{many.m2m_field_name()}__in": keys}), deleted)
    _raw_delete(queryset, deleted)


def _raw_delete(queryset: models.QuerySet, deleted: dict[str, int]) -> None:
    label = queryset.model._meta.label
    # QuerySet._raw_delete: Django's own fast-delete path (one DELETE … WHERE …, no signals).
    deleted[label] = deleted.get(label, 0) + queryset._raw_delete(queryset.db)


def synthetic_clear(*, seed: int | None = None, rebuild_search: bool = True) -> ClearResult:
    """Remove the synthetic set of ``seed`` (every synthetic set when None), in one transaction.

    Cities and provinces the set created go too, unless something else now
    refers to them.
    """
    started = time.perf_counter()
    result = ClearResult()
    sources = synthetic_sources()
    if seed is not None:
        sources = sources.filter(filename=source_filename(seed))
    sources = list(sources.order_by("filename"))
    if not sources:
        result.seconds = time.perf_counter() - started
        return result
    with transaction.atomic():
        created_cities, created_provinces = [], []
        for source in sources:
            try:
                manifest = json.loads(source.raw_text)
            except ValueError:
                manifest = {}
            created_cities += manifest.get("created_cities", [])
            created_provinces += manifest.get("created_provinces", [])
        ids = [s.pk for s in sources]
        # Plain DELETEs bypass the signals: the cached public figures are replaced here.
        catalogue_changed()
        gone_practices = list(Practice.objects.filter(source_id__in=ids).values_list("pk", flat=True))
        gone_reports = list(CaseReport.objects.filter(source_id__in=ids).values_list("pk", flat=True))
        _purge(CaseReport.objects.filter(source_id__in=ids), result.deleted)
        _purge(Practice.objects.filter(source_id__in=ids), result.deleted)
        # Places the set created, unless something else now uses them.
        remaining = synthetic_sources().exclude(pk__in=ids)
        still_created = set()
        for source in remaining:
            try:
                still_created |= {tuple(c) for c in json.loads(source.raw_text).get("created_cities", [])}
            except ValueError:
                continue
        for name, province in created_cities:
            if (name, province) in still_created:
                continue
            unused = (City.objects.filter(name=name, province__name=province)
                      .filter(~models.Exists(PracticeEntry.objects.filter(city=models.OuterRef("pk"))))
                      .filter(~models.Exists(CaseReport.cities.through.objects.filter(city=models.OuterRef("pk")))))
            _raw_delete(unused, result.deleted)
        for name in created_provinces:
            unused = (Province.objects.filter(name=name)
                      .filter(~models.Exists(City.objects.filter(province=models.OuterRef("pk"))))
                      .filter(~models.Exists(CaseReport.objects.filter(province=models.OuterRef("pk")))))
            _raw_delete(unused, result.deleted)
        _raw_delete(SourceDocument.objects.filter(pk__in=ids), result.deleted)
        if rebuild_search:
            # Raw deletes send no signal: let the index forget the records.
            index_started = time.perf_counter()
            report = search_index_rebuild(practices=gone_practices, case_reports=gone_reports)
            result.search_index = (f"已调用 practices.search.search_index_rebuild() 从搜索索引中移除合成记录"
                                   f"（{time.perf_counter() - index_started:.1f} 秒）：{report}")
    result.sources = [s.filename for s in sources]
    result.seconds = time.perf_counter() - started
    return result



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
