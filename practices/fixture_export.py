"""The catalogue as a deterministic Django fixture (``export_catalogue``).

Natural keys only, records sorted by business keys in Python (collations and
NULL placement differ between databases), fixed-width timestamps: two
exports of the same data are byte-identical on SQLite and PostgreSQL.
"""
from __future__ import annotations

import datetime

from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder

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


def catalogue_export_fixture() -> str:
    """The whole catalogue as a Django JSON fixture string.

    Natural keys only (no auto-increment ids), records ordered by business
    keys, two-space indent, Chinese unescaped, a final newline: two exports
    of the same data are byte-identical.
    """
    objects = []
    for model, related in FIXTURE_MODELS:
        queryset = model._default_manager.select_related(*related)
        if model is CaseReport:
            queryset = queryset.prefetch_related("cities__province", "categories")
        objects.extend(sorted(queryset, key=_sort_key))
    text = serializers.serialize(
        "json", objects, indent=2, ensure_ascii=False, cls=FixtureJSONEncoder,
        use_natural_foreign_keys=True, use_natural_primary_keys=True,
    )
    return text + "\n"


class FixtureJSONEncoder(DjangoJSONEncoder):
    """Datetimes always with milliseconds.

    DjangoJSONEncoder truncates microseconds to milliseconds and drops the
    fraction when it is zero, so a timestamp like 12:00:00.000500 exports as
    "…00.000" but re-exports after loaddata as "…00": a round trip that is not
    byte-identical. A fixed width keeps it stable.
    """

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat(timespec="milliseconds")
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)
