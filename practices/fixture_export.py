"""The catalogue as a deterministic Django fixture (``export_catalogue``).

Natural keys only, records sorted by business keys in Python (collations and
NULL placement differ between databases), fixed-width timestamps, JSON
field objects with sorted keys (PostgreSQL's jsonb reorders them, SQLite
keeps them as written): two exports of the same data are byte-identical on
SQLite and PostgreSQL.
"""
from __future__ import annotations

import datetime

from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .models import (
    CaseReport,
    Category,
    City,
    Metric,
    Practice,
    PracticeEntry,
    Province,
    RelatedPractice,
    SourceDocument,
    Status,
)

# Dependency order for loaddata, with the relations each natural key reads.
FIXTURE_MODELS = (
    (SourceDocument, ()),
    (Category, ()),
    (Province, ()),
    (City, ("province",)),
    (Practice, ("category", "source")),
    (PracticeEntry, ("practice", "city__province")),
    (CaseReport, ("source", "province")),
    (RelatedPractice, ("case_report__source", "practice")),
    (Metric, ("entry__practice", "entry__city", "case_report__source")),
)


def _sort_key(obj) -> tuple:
    # Sort by natural key in Python, not SQL: collations and NULL placement
    # differ between SQLite and PostgreSQL, and exports must be byte-identical.
    return tuple((isinstance(part, str), part) for part in obj.natural_key())


def _sorted_keys(value):
    """``value`` (JSON data) with the keys of every object in sorted order."""
    if isinstance(value, dict):
        return {key: _sorted_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(item) for item in value]
    return value


def _normalize_json_fields(obj) -> None:
    # jsonb stores object keys by length, then bytes; SQLite keeps them as
    # written. Sorting them in the exported (never saved) instance makes the
    # export independent of the database. Loading gives the same data.
    for field in obj._meta.concrete_fields:
        if isinstance(field, models.JSONField):
            setattr(obj, field.attname, _sorted_keys(getattr(obj, field.attname)))


# What the public may see of each model, for ``published_only``: published
# practices and case reports, and only what belongs to them.
PUBLISHED = {
    Practice: Q(status=Status.PUBLISHED),
    PracticeEntry: Q(practice__status=Status.PUBLISHED),
    CaseReport: Q(status=Status.PUBLISHED),
    RelatedPractice: Q(practice__status=Status.PUBLISHED, case_report__status=Status.PUBLISHED),
    Metric: Q(entry__practice__status=Status.PUBLISHED) | Q(case_report__status=Status.PUBLISHED),
}


def catalogue_export_fixture(*, published_only: bool = False) -> str:
    """The whole catalogue as a Django JSON fixture string.

    Natural keys only (no auto-increment ids), records ordered by business
    keys, JSON objects with sorted keys, two-space indent, Chinese unescaped,
    a final newline: two exports of the same data are byte-identical.

    ``published_only``: what the public may see (the data release). Drafts
    are left out with their entries, metrics and related-practice links, and
    metrics name no verifier (a staff account). Without drafts or verifiers
    the text is the same as the full export's.
    """
    objects = []
    for model, related in FIXTURE_MODELS:
        queryset = model._default_manager.select_related(*related)
        if published_only and model in PUBLISHED:
            queryset = queryset.filter(PUBLISHED[model])
        if model is CaseReport:
            queryset = queryset.prefetch_related("cities__province", "categories")
        objects.extend(sorted(queryset, key=_sort_key))
    for obj in objects:
        _normalize_json_fields(obj)
        if published_only and isinstance(obj, Metric):
            obj.verified_by = None  # the exported copy only: never saved
    text = serializers.serialize(
        "json", objects, indent=2, ensure_ascii=False, cls=FixtureJSONEncoder,
        use_natural_foreign_keys=True, use_natural_primary_keys=True,
    )
    return text + "\n"


class FixtureJSONEncoder(DjangoJSONEncoder):
    """Datetimes always with microseconds, the full precision of both databases.

    DjangoJSONEncoder truncates microseconds to milliseconds (a restore would
    lose them, and the API shows them) and drops the fraction when it is zero
    (so "…00.000" could re-export as "…00"). A fixed six-digit fraction keeps
    every stored value and makes a round trip byte-identical: SQLite and
    PostgreSQL both store microseconds, and aware datetimes are written in UTC
    with a "Z" suffix whatever the database's connection time zone.
    """

    def default(self, o):
        if isinstance(o, datetime.datetime):
            if timezone.is_aware(o):
                o = o.astimezone(datetime.UTC)
            text = o.isoformat(timespec="microseconds")
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)
