"""Reads: every query the public pages run lives here.

Functions are keyword-only and return QuerySets or plain data, so the views,
the API and the exports ask the same questions the same way. The package is
split by subject; import from ``practices.selectors`` itself. The full-text
search is ``practices.search`` (``practice_search``, ``case_report_search``,
``query_terms``).
"""
from __future__ import annotations

from .case_reports import (
    case_report_detail,
    case_report_list_rows,
    case_report_paragraphs,
    case_report_related_practices,
    source_list,
)
from .facets import (
    case_report_facets,
    case_report_filter_description,
    case_report_list_summary,
    filter_conditions,
    filter_signature,
    metric_filter_description,
    practice_facets,
    practice_filter_description,
    practice_list_summary,
    query_url,
)
from .lookups import category_lookup, city_lookup, place_label, province_lookup
from .metrics import (
    metric_list_rows,
    metric_list_summary,
    metric_measure_facets,
    metric_owner_facets,
    metric_unit_facets,
    practice_comparison,
)
from .places import category_overview, city_overview, counts_by_category, province_overview
from .practices import (
    case_report_latest,
    catalogue_totals,
    category_city_matrix,
    category_list,
    practice_case_reports,
    practice_detail,
    practice_list_page_rows,
    practice_neighbours,
    practice_published_list,
    practice_rows,
)

__all__ = [
    "case_report_detail", "case_report_facets", "case_report_filter_description", "case_report_list_summary", "case_report_latest",
    "case_report_list_rows", "case_report_paragraphs", "case_report_related_practices",
    "catalogue_totals", "category_city_matrix", "category_list", "category_lookup",
    "category_overview", "city_lookup", "city_overview", "counts_by_category", "filter_conditions",
    "metric_filter_description", "metric_list_rows", "metric_list_summary", "filter_signature", "metric_unit_facets", "metric_measure_facets", "metric_owner_facets", "place_label", "practice_case_reports", "practice_comparison",
    "practice_detail", "practice_facets", "practice_filter_description", "practice_list_summary",
    "practice_list_page_rows", "practice_rows", "practice_neighbours", "practice_published_list",
    "province_lookup", "province_overview", "query_url", "source_list",
]
