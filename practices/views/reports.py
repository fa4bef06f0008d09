"""Case reports, the metrics explorer and the about/data page."""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import selectors
from ..filters import CaseReportFilterSet, MetricFilterSet
from ..lists import METRICS, PUBLIC_LISTS
from ..models import CaseReport
from ..selectors.case_reports import case_report_by_id
from .common import clean_params, export_links, page_links, paginate


def case_report_list(request: HttpRequest) -> HttpResponse:
    filterset = CaseReportFilterSet(request.GET)
    summary = selectors.case_report_list_summary(filterset=filterset)
    listing = paginate(request, filterset.qs, count=summary["count"])
    params = clean_params(request.GET, set(filterset.form.errors))
    listing.page.object_list = list(selectors.case_report_list_rows(reports=listing.page.object_list))
    return render(request, "practices/case_report_list.html", {
        "filterset": filterset,
        "listing": listing,
        "page_links": page_links(params, listing.page),
        "facets": selectors.case_report_facets(filterset=filterset, params=params, path=request.path,
                                               summary=summary),
        "description": selectors.case_report_filter_description(
            filterset=filterset, count=listing.page.paginator.count,
        ),
        "errors": filterset.error_messages(),
        "params": params,
        "exports": export_links(params, kind="case-reports"),
    })


def case_report_detail(request: HttpRequest, source: str, position: int) -> HttpResponse:
    """/case-reports/<source slug>/<position>/: a published report; drafts are not found."""
    try:
        report = selectors.case_report_detail(source_slug=source, position=position)
    except CaseReport.DoesNotExist as exc:
        raise Http404(_("没有这篇案例报道")) from exc
    canonical = report.get_absolute_url()
    if request.path != canonical:
        # "/case-reports/000/02/" finds the report too: one address per page.
        return redirect(canonical, permanent=True)
    return render(request, "practices/case_report_detail.html", {
        "report": report,
        "paragraphs": selectors.case_report_paragraphs(report=report),
        # The report's own figures, as public as a practice's (one query).
        "metrics": list(report.metrics.order_by("position")),
        "related": selectors.case_report_related_practices(report=report),
    })


def case_report_redirect(request: HttpRequest, pk: int) -> HttpResponse:
    """/case-reports/<id>/, the old address by database id: moved permanently to the natural URL."""
    try:
        report = case_report_by_id(pk=pk)
    except CaseReport.DoesNotExist as exc:
        raise Http404(_("没有这篇案例报道")) from exc
    return redirect(report, permanent=True)


def metric_list(request: HttpRequest) -> HttpResponse:
    filterset = MetricFilterSet(request.GET)
    summary = selectors.metric_list_summary(filterset=filterset)
    listing = paginate(request, filterset.qs, default_per_page=50, count=summary["count"])
    listing.notices = filterset.notices() + listing.notices
    params = clean_params(request.GET, set(filterset.form.errors))
    listing.page.object_list = list(selectors.metric_list_rows(metrics=listing.page.object_list))
    facets = METRICS.facets(filterset=filterset, params=params, path=request.path, summary=summary)
    value_sort = filterset.value_sort_offered()
    return render(request, "practices/metric_list.html", {
        "filterset": filterset,
        "listing": listing,
        "page_links": page_links(params, listing.page),
        "categories": selectors.category_list(),
        "units": facets["unit"],
        "measures": facets["measure"],
        "owners": facets["owner"],
        # Value sorts are only offered within one unit: never 元 next to %.
        "sort_choices": [(value, label) for value, label in filterset.form.fields["sort"].choices
                         if value_sort or value not in MetricFilterSet.VALUE_SORTS],
        "description": selectors.metric_filter_description(filterset=filterset, count=listing.page.paginator.count),
        "errors": filterset.error_messages(),
        "sort_key": filterset.sort_key,
        "params": params,
        "exports": export_links(params, kind="metrics"),
    })


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "practices/about.html", {
        "sources": selectors.source_list(),
        "totals": selectors.catalogue_totals(),
        "exports": {kind.replace("-", "_"): export_links(QueryDict(), kind=kind) for kind in PUBLIC_LISTS},
    })
