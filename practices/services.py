"""Writes and whole-catalogue operations. Keyword-only, typed, ``<entity>_<action>``."""
from __future__ import annotations

from django.core import serializers

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
        "json", objects, indent=2, ensure_ascii=False,
        use_natural_foreign_keys=True, use_natural_primary_keys=True,
    )
    return text + "\n"
