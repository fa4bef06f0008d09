"""Case reports, the metrics explorer and the about/data page."""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import selectors
from ..lists import CASE_REPORTS, METRICS, PUBLIC_LISTS
from ..models import CaseReport, SourceDocument
from ..selectors.case_reports import case_report_by_id
from .common import export_links, facet_fragments, list_context, paginate


def case_report_list(request: HttpRequest) -> HttpResponse:
    filterset = CASE_REPORTS.filterset_class(request.GET)
    summary = CASE_REPORTS.summarize(filterset=filterset)
    listing = paginate(request, filterset.qs, count=summary["count"])
    rows = selectors.case_report_list_rows(reports=listing.page.object_list)
    listing.page.object_list = CASE_REPORTS.with_excerpts(rows, filterset=filterset)
    context = list_context(request, public_list=CASE_REPORTS, filterset=filterset, listing=listing)

    def facet_context() -> dict:
        facets = CASE_REPORTS.facets(filterset=filterset, params=context["params"], path=request.path,
                                     summary=summary)
        return {"facets": facets, "has_facets": any(facets.values())}

    return render(request, "practices/case_report_list.html", {
        **context,
        "facet_html": facet_fragments(request, list_name=CASE_REPORTS.name,
                                      panel="practices/includes/facets_case_reports.html",
                                      hint=_("（省份、类别）"), build=facet_context),
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
        # The newspaper's byline marker ("■本报记者 …") is layout, not part of the name.
        "byline": report.byline.lstrip("■□◆● ").strip(),
        "span_note": _span_lines(report),
        "paragraphs": selectors.case_report_paragraphs(report=report),
        # The report's own figures, as public as a practice's (one query).
        "metrics": list(report.metrics.order_by("position")),
        "related": selectors.case_report_related_practices(report=report),
    })


def _span_lines(report: CaseReport) -> str:
    """"原文第 a–b 行": the lines of the source the report's text spans (for its citation)."""
    spans = report.source_spans or []
    raw = SourceDocument.objects.filter(pk=report.source_id).values_list("raw_text", flat=True).first() or ""
    if not spans or not raw:
        return ""
    start, end = min(span[0] for span in spans), max(span[1] for span in spans)
    first, last = raw.count("\n", 0, start) + 1, raw.count("\n", 0, max(end - 1, start)) + 1
    return _("原文第 %(start)s–%(end)s 行") % {"start": first, "end": last}


def case_report_redirect(request: HttpRequest, pk: int) -> HttpResponse:
    """/case-reports/<id>/, the old address by database id: moved permanently to the natural URL."""
    try:
        report = case_report_by_id(pk=pk)
    except CaseReport.DoesNotExist as exc:
        raise Http404(_("没有这篇案例报道")) from exc
    return redirect(report, permanent=True)


def metric_list(request: HttpRequest) -> HttpResponse:
    filterset = METRICS.filterset_class(request.GET)
    summary = METRICS.summarize(filterset=filterset)
    listing = paginate(request, filterset.qs, default_per_page=50, count=summary["count"])
    listing.notices = filterset.notices() + listing.notices
    listing.page.object_list = list(selectors.metric_list_rows(metrics=listing.page.object_list))
    context = list_context(request, public_list=METRICS, filterset=filterset, listing=listing)
    facets = METRICS.facets(filterset=filterset, params=context["params"], path=request.path, summary=summary)
    value_sort = filterset.value_sort_offered()
    return render(request, "practices/metric_list.html", {
        **context,
        "categories": selectors.category_list(),
        "units": facets["unit"],
        "measures": facets["measure"],
        "owners": facets["owner"],
        "has_facets": any(facets.values()),
        # Value sorts are only offered within one unit: never 元 next to %.
        "sort_choices": [(value, label) for value, label in filterset.form.fields["sort"].choices
                         if value_sort or value not in filterset.VALUE_SORTS],
    })


def about(request: HttpRequest) -> HttpResponse:
    """/about/: the data page (what, licence, codebook, sources with checksums, version, downloads)."""
    from ..release import stored_codebook_table
    from ..release_docs import LICENCE_NAME, LICENCE_URL
    from ..templatetags.citation import revision_changed

    return render(request, "practices/about.html", {
        "sources": selectors.source_list(),
        "totals": selectors.catalogue_totals(),
        "codebook": stored_codebook_table(),
        "licence": {"name": LICENCE_NAME, "url": LICENCE_URL},
        "revision_changed": revision_changed(request),
        "exports": {kind.replace("-", "_"): export_links(QueryDict(), kind=kind) for kind in PUBLIC_LISTS},
    })
