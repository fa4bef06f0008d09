"""``synthetic_clear()``: removing synthetic sets with plain DELETEs."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from django.db import models, transaction

from ..catalogue_cache import catalogue_changed
from ..models import CaseReport, City, Practice, PracticeEntry, Province, SourceDocument
from .search_index import search_index_refresh
from .sets import SyntheticError, source_filename, synthetic_sources


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
            result.search_index = search_index_refresh(practices=gone_practices, case_reports=gone_reports)
    result.sources = [s.filename for s in sources]
    result.seconds = time.perf_counter() - started
    return result
