"""Home, the practice list, one practice and its city comparison."""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.utils.translation import gettext as _

from .. import selectors
from ..fragments import cached_fragments, cached_rows
from ..lists import PRACTICES
from ..models import Practice
from .common import facet_fragments, list_context, paginate

# Values listed per facet on the page (the API lists them all): 297 cities would bury the list.
FACET_VALUES_SHOWN = 30


def home(request: HttpRequest) -> HttpResponse:
    def figures() -> dict[str, str]:
        return {"html": render_to_string("practices/includes/home_figures.html",
                                         {"matrix": selectors.category_city_matrix()}, request=request)}

    return render(request, "practices/home.html", {
        "totals": selectors.catalogue_totals(),
        "figures": cached_fragments(request, name="home-figures", vary=(), render=figures)["html"],
        "latest_reports": selectors.case_report_latest(limit=5),
    })


def practice_list(request: HttpRequest) -> HttpResponse:
    filterset = PRACTICES.filterset_class(request.GET)
    summary = PRACTICES.summarize(filterset=filterset)
    listing = paginate(request, filterset.qs, count=summary["count"])
    rendered = not filterset.selected().get("q")
    if rendered:
        # Without a search a row depends on its practice only: most come from the fragment cache.
        listing.page.object_list = practice_rows_html(request, practices=listing.page.object_list,
                                                      keys=getattr(listing.page, "keys", None))
    else:
        rows = selectors.practice_list_page_rows(practices=listing.page.object_list)
        listing.page.object_list = PRACTICES.with_excerpts(rows, filterset=filterset)
    context = list_context(request, public_list=PRACTICES, filterset=filterset, listing=listing)

    def facet_context() -> dict:
        facets = selectors.practice_facets(filterset=filterset, params=context["params"], path=request.path,
                                           summary=summary, limit=FACET_VALUES_SHOWN)
        return {"facets": facets, "has_facets": any(facets.values()),
                "facet_totals": {name: len(rows) for name, rows in summary["facets"].items()}}

    return render(request, "practices/practice_list.html", {
        **context,
        "rendered_rows": rendered,
        "facet_html": facet_fragments(request, list_name=PRACTICES.name,
                                      panel="practices/includes/facets_practices.html",
                                      hint=_("（类别、城市、省份）"), build=facet_context),
    })


def practice_rows_html(request: HttpRequest, *, practices, keys: list[int] | None = None) -> list:
    """The list rows (category and cities shown) of the ``practices`` queryset's page, mostly from the cache.

    ``keys``: the page's primary keys in order, when the paginator read them already (deep pages).
    """
    if keys is None:
        keys = list(practices.values_list("pk", flat=True))

    def render_rows(pks: list[int]) -> dict[int, str]:
        template = get_template("practices/includes/practice_row.html")
        found = selectors.practice_rows(pks=pks)
        return {practice.pk: template.render({"practice": practice, "show_category": True, "show_cities": True})
                for practice in found}

    return cached_rows(request, name="practice-list-row", keys=keys, render=render_rows)


def _practice_or_404(number: int) -> Practice:
    try:
        return selectors.practice_detail(number=number)
    except Practice.DoesNotExist as exc:
        raise Http404(_("没有这个典型做法")) from exc


def practice_detail(request: HttpRequest, number: int) -> HttpResponse:
    practice = _practice_or_404(number)
    previous, following = selectors.practice_neighbours(practice=practice)
    return render(request, "practices/practice_detail.html", {
        "practice": practice,
        "previous": previous,
        "next": following,
        "related": selectors.practice_case_reports(practice=practice),
        "practice_metrics": [metric for entry in practice.entries.all() for metric in entry.metrics.all()],
        "practice_lines": (practice.line_start, practice.line_end or practice.line_start) if practice.line_start else None,
    })


def practice_compare(request: HttpRequest, number: int) -> HttpResponse:
    practice = _practice_or_404(number)
    measure = request.GET.get("measure") or None
    comparison = selectors.practice_comparison(practice=practice, measure=measure)
    notices = []
    if not comparison["measure_found"]:
        notices.append(_("这个做法没有多个城市共有的“%(measure)s”指标，已显示全部对比。") % {"measure": measure})
    return render(request, "practices/practice_compare.html", {
        "practice": practice, "comparison": comparison, "notices": notices,
    })
