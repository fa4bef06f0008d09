"""Helpers the public views share: forgiving pagination and query-string links."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .. import params as strict_params
from ..filters import PublishedFilterSet
from ..fragments import cached_fragments
from ..lists import PUBLIC_LISTS, PublicList
from ..pagination import KeysFirstPaginator
from ..params import InvalidParam

PER_PAGE_CHOICES = (10, 20, 50, 100)
DEFAULT_PER_PAGE = 20


@dataclass
class Listing:
    """One page of a list; ``refused`` names the page parameters whose values were refused."""

    page: Page
    per_page: int
    notices: list[str] = field(default_factory=list)
    refused: list[InvalidParam] = field(default_factory=list)


def paginate(request: HttpRequest, queryset: QuerySet, *, default_per_page: int = DEFAULT_PER_PAGE,
             count: int | None = None) -> Listing:
    """The requested page of ``queryset``; never raises on a bad ``page`` or ``per_page``.

    One rule with the API and the exports (``practices.params``): a malformed
    ``page`` or ``per_page`` is refused, and the page shows the empty state
    naming it (``list_context``), as for an unknown filter value. A page past
    the end shows the last one with a notice: a shared link that has gone stale
    still lands somewhere useful. Two queries (count and rows); one when
    ``count`` (the queryset's length, e.g. a cached one) is given.
    """
    notices: list[str] = []
    per_page, per_page_problem = strict_params.page_size(request.GET, name="per_page", default=default_per_page,
                                                  maximum=max(PER_PAGE_CHOICES), choices=PER_PAGE_CHOICES)
    number, page_problem = strict_params.page_number(request.GET)
    refused = [problem for problem in (page_problem, per_page_problem) if problem is not None]
    if refused:
        return Listing(page=Paginator(queryset.none(), per_page).page(1), per_page=per_page, refused=refused)
    paginator = KeysFirstPaginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # shadows the cached_property: no COUNT query
    if number > paginator.num_pages:
        notices.append(_("没有第 %(page)s 页，已显示最后一页（第 %(last)s 页）。") % {
            "page": number, "last": paginator.num_pages,
        })
        number = paginator.num_pages
    return Listing(page=paginator.page(number), per_page=per_page, notices=notices)


def clean_params(params: QueryDict, invalid: set[str]) -> QueryDict:
    """``params`` without the keys whose values were rejected, so links built from it work again."""
    cleaned = params.copy()
    for name in invalid:
        cleaned.pop(name, None)
    return cleaned


def export_links(params: QueryDict, *, kind: str = "practices") -> list[dict]:
    """[{"format", "url", "url_zh"}, …]: the public list ``kind`` as CSV, XLSX and JSON, with the current filters.

    ``url_zh`` asks for Chinese column headers (``headers=zh``); None for JSON,
    whose keys are a program's, not a reader's.
    """
    query = params.copy()
    for name in ("page", "per_page", "headers"):
        query.pop(name, None)
    url_name = PUBLIC_LISTS[kind].export_url_name
    links = []
    for fmt in ("csv", "xlsx", "json"):
        url = reverse(url_name, kwargs={"fmt": fmt})
        zh = query.copy()
        zh["headers"] = "zh"
        links.append({
            "format": fmt.upper(),
            "url": f"{url}?{query.urlencode()}" if query else url,
            "url_zh": None if fmt == "json" else f"{url}?{zh.urlencode()}",
        })
    return links


def page_links(params: QueryDict, page: Page) -> dict:
    """{"first", "previous", "next", "last"} URLs (None where there is none) keeping every other parameter."""
    def link(number: int) -> str:
        query = params.copy()
        query["page"] = str(number)
        return f"?{query.urlencode()}"

    paginator = page.paginator
    return {
        "first": link(1) if page.number > 1 else None,
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
        "next": link(page.next_page_number()) if page.has_next() else None,
        "last": link(paginator.num_pages) if page.number < paginator.num_pages else None,
    }



def list_context(request: HttpRequest, *, public_list: PublicList, filterset: PublishedFilterSet,
                 listing: Listing) -> dict:
    """What every list page shows around its rows: the description or the one refusal, links, downloads.

    A refused value (``?city=nowhere``) gives one message naming the parameter
    and the value, instead of the description, and no download links: the
    list is empty and says why, nothing else. Links built from the page
    (pagination, facets, downloads) keep every accepted parameter and drop
    the refused ones.
    """
    params = clean_params(request.GET, set(filterset.form.errors) | {problem.name for problem in listing.refused})
    rejection = filterset.rejection_message() or " ".join(problem.reason for problem in listing.refused)
    return {
        "filterset": filterset,
        "listing": listing,
        "params": params,
        "page_links": page_links(params, listing.page),
        "rejected": bool(rejection),
        "errors": [rejection + _("没有显示任何结果。")] if rejection else filterset.error_messages(),
        "description": "" if rejection else public_list.describe(filterset=filterset,
                                                                 count=listing.page.paginator.count),
        "sort_key": filterset.sort_key,
        "exports": [] if rejection or not listing.page.paginator.count else export_links(params, kind=public_list.name),
        # Where "清除这个条件" leads: the same list without the refused parameters.
        "clear_url": f"{request.path}?{params.urlencode()}" if params else request.path,
    }


def facet_fragments(request: HttpRequest, *, list_name: str, panel: str, hint: str,
                    build: Callable[[], dict]) -> dict[str, SafeString]:
    """The list's facet panels as HTML, ``{"panels": phone disclosure, "aside": beside the list}``.

    ``build()`` gives the facets' context (``facets``, ``has_facets``, …); it runs only when this
    revision has not rendered the panels for this query yet (practices/fragments.py). The key is
    the query as asked (a refused value shows no facets, though ``params`` drops it from the
    links) without ``page``: every link in a panel starts again at page 1.
    """
    query = request.GET.copy()
    query.pop("page", None)

    def render() -> dict[str, str]:
        context = {**build(), "panel": panel, "hint": hint}
        return {"panels": render_to_string("practices/includes/facet_panels.html", context),
                "aside": render_to_string("practices/includes/facet_aside.html", context)}

    return cached_fragments(request, name=f"facets:{list_name}", vary=(request.path, query.urlencode()),
                            render=render)
