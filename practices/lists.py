"""The public lists: practices, case reports and metrics, in one registry.

Each list is browsed as a page (/practices/), read through the API
(/api/practices/) and downloaded (/practices/export.csv|.xlsx|.json). All three
read the list's entry here, so they filter with the same FilterSet, describe
and facet the same way, and a new list is added in one place.

``name`` is the URL segment of the page, the API and the exports alike, and
the file stem of a download ("practices.csv").
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models
from django.http import QueryDict

from . import filters, resources, selectors
from .models import CaseReport, Metric, Practice
from .search import attach_excerpts, case_report_excerpt, practice_excerpt
from .selectors.facets import Facet


@dataclass(frozen=True)
class PublicList:
    """One public list and everything the page, the API and the exports need to serve it."""

    name: str
    model: type[models.Model]
    #: chooses the rows, from the query string (published records only)
    filterset_class: type[filters.PublishedFilterSet]
    #: writes the columns of a download (the admin's import/export layout)
    resource_class: type[resources.CatalogueResource]
    page_url_name: str
    api_url_name: str
    export_url_name: str
    #: the XLSX sheet name (at most 31 characters)
    sheet_title: str
    #: (filterset=) -> {"count": int, …}: the cached count and facet counts of the filters
    summarize: Callable[..., dict]
    #: (filterset=, params=, path=, summary=) -> {parameter: [Facet, …]}
    facets: Callable[..., dict[str, list[Facet]]]
    #: (filterset=, count=) -> the filters in one sentence
    describe: Callable[..., str]
    #: (record, terms) -> Excerpt | None: why a search hit matched (None: the list is not searchable)
    excerpt: Callable | None = None

    def with_excerpts(self, rows: Iterable, *, filterset: filters.PublishedFilterSet) -> list:
        """``rows`` as a list; on a searchable list each gets ``search_excerpt`` for the query (None without one).

        The rows must come with what ``excerpt`` reads already loaded (a page's rows are prefetched).
        """
        if self.excerpt is None:
            return list(rows)
        return attach_excerpts(rows, q=filterset.selected().get("q"), excerpt=self.excerpt)

    @property
    def export_route_name(self) -> str:
        """The export's URL name inside the open_data namespace ("practice-export")."""
        return self.export_url_name.partition(":")[2]


def metric_facets(*, filterset: filters.MetricFilterSet, params: QueryDict, path: str = "",
                  summary: dict | None = None) -> dict[str, list[Facet]]:
    """{"owner"|"measure"|"unit": [Facet, …]}: the metric list's facets, shaped like the other lists' facets."""
    common = {"filterset": filterset, "params": params, "path": path, "summary": summary}
    return {
        "owner": selectors.metric_owner_facets(**common),
        "measure": selectors.metric_measure_facets(**common),
        "unit": selectors.metric_unit_facets(**common),
    }


PRACTICES = PublicList(
    name="practices",
    model=Practice,
    filterset_class=filters.PracticeFilterSet,
    resource_class=resources.PracticeResource,
    page_url_name="practices:practice-list",
    api_url_name="api:practice-list",
    export_url_name="open_data:practice-export",
    sheet_title="典型做法",
    summarize=selectors.practice_list_summary,
    facets=selectors.practice_facets,
    describe=selectors.practice_filter_description,
    excerpt=practice_excerpt,
)
CASE_REPORTS = PublicList(
    name="case-reports",
    model=CaseReport,
    filterset_class=filters.CaseReportFilterSet,
    resource_class=resources.CaseReportResource,
    page_url_name="practices:case-report-list",
    api_url_name="api:case-report-list",
    export_url_name="open_data:case-report-export",
    sheet_title="案例报道",
    summarize=selectors.case_report_list_summary,
    facets=selectors.case_report_facets,
    describe=selectors.case_report_filter_description,
    excerpt=case_report_excerpt,
)
METRICS = PublicList(
    name="metrics",
    model=Metric,
    filterset_class=filters.MetricFilterSet,
    resource_class=resources.MetricResource,
    page_url_name="practices:metric-list",
    api_url_name="api:metric-list",
    export_url_name="open_data:metric-export",
    sheet_title="指标",
    summarize=selectors.metric_list_summary,
    facets=metric_facets,
    describe=selectors.metric_filter_description,
)

#: Every public list by name, in the order the site presents them.
PUBLIC_LISTS: dict[str, PublicList] = {entry.name: entry for entry in (PRACTICES, CASE_REPORTS, METRICS)}
