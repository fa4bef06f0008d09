"""The catalogue's data model: the contract later work and external checks rely on.

Messages are written in Chinese (the default language) and translated to
English through ``locale/en``. Every model has a natural key so that fixtures,
imports and exports never depend on auto-increment ids.

Two bookkeeping fields recur:

* ``version`` counts saves; the admin refuses a save whose form carried an
  older version (optimistic locking, no lost updates).
* ``load_fingerprint`` is the SHA-256 of the values the loader last wrote.
  When the current values no longer match it, staff have edited the record
  and a re-load leaves it alone (unless told ``--overwrite``).

The package is split by subject; import from ``practices.models`` itself.
The submodules are imported in dependency order, which is also the order the
models are registered in (and so the order ``apps.get_models()`` lists them).
"""
from __future__ import annotations

# Not sorted: this order registers the models in the order the single models.py did, which
# apps.get_models() and dumpdata follow. The Historical* models are the ones simple_history
# creates and sets on each submodule; they were importable from here before the split.
# isort: off
from .base import SEARCH_FIELDS, Curated, Status, search_document_field, search_title_field, search_vector_field
from .categories import Category, CategoryManager, HistoricalCategory
from .places import City, CityManager, HistoricalCity, HistoricalProvince, Province, ProvinceManager
from .sources import SourceDocument, SourceDocumentManager
from .practices import HistoricalPractice, HistoricalPracticeEntry, Practice, PracticeEntry, PracticeEntryManager
from .reports import (
    CaseReport,
    HistoricalCaseReport,
    HistoricalCaseReport_categories,
    HistoricalCaseReport_cities,
    HistoricalRelatedPractice,
    RelatedPractice,
    RelatedPracticeManager,
)
from .metrics import HistoricalMetric, Metric
from .cache import CatalogueAggregate, CatalogueAggregateManager, CatalogueRevision, CatalogueRevisionManager
from .search_rows import CaseReportSearchRow, PracticeSearchRow, SearchRow, SearchRowManager
# isort: on

__all__ = [
    "SEARCH_FIELDS", "CaseReport", "CaseReportSearchRow", "CatalogueAggregate", "CatalogueAggregateManager",
    "CatalogueRevision", "CatalogueRevisionManager", "Category", "CategoryManager", "City", "CityManager",
    "Curated", "Metric", "Practice", "PracticeEntry", "PracticeEntryManager", "PracticeSearchRow", "Province",
    "ProvinceManager", "RelatedPractice", "RelatedPracticeManager", "SearchRow", "SearchRowManager",
    "SourceDocument", "SourceDocumentManager", "Status", "search_document_field", "search_title_field",
    "search_vector_field",
    "HistoricalCaseReport", "HistoricalCaseReport_categories", "HistoricalCaseReport_cities", "HistoricalCategory",
    "HistoricalCity", "HistoricalMetric", "HistoricalPractice", "HistoricalPracticeEntry", "HistoricalProvince",
    "HistoricalRelatedPractice",
]
