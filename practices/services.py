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

# Dependency order for loaddata, and a deterministic order within each model.
FIXTURE_MODELS = (
    (SourceDocument, ("filename",)),
    (Category, ("number",)),
    (Province, ("name",)),
    (City, ("province__name", "name")),
    (Practice, ("number",)),
    (PracticeEntry, ("practice__number", "position")),
    (CaseReport, ("source__filename", "position")),
    (RelatedPractice, ("case_report__source__filename", "case_report__position", "practice__number")),
    (Metric, ("entry__practice__number", "entry__position", "case_report__source__filename",
              "case_report__position", "position")),
)


def catalogue_export_fixture() -> str:
    """The whole catalogue as a Django JSON fixture string.

    Natural keys only (no auto-increment ids), records ordered by business
    keys, two-space indent, Chinese unescaped, a final newline: two exports
    of the same data are byte-identical.
    """
    objects = []
    for model, ordering in FIXTURE_MODELS:
        objects.extend(model._default_manager.order_by(*ordering))
    text = serializers.serialize(
        "json", objects, indent=2, ensure_ascii=False,
        use_natural_foreign_keys=True, use_natural_primary_keys=True,
    )
    return text + "\n"
