"""practices.lists: one registry of the public lists, read by the pages, the API and the exports."""
from __future__ import annotations

import pytest
from django.http import QueryDict
from django.urls import resolve, reverse

from practices import exports
from practices.lists import PUBLIC_LISTS, PublicList
from practices.views.common import export_links

LISTS = list(PUBLIC_LISTS.values())


def test_the_registry_holds_the_three_public_lists():
    assert list(PUBLIC_LISTS) == ["practices", "case-reports", "metrics"]
    assert all(isinstance(entry, PublicList) and PUBLIC_LISTS[entry.name] is entry for entry in LISTS)


@pytest.mark.parametrize("entry", LISTS, ids=lambda entry: entry.name)
def test_page_api_and_exports_live_under_the_list_name(entry):
    assert reverse(entry.page_url_name) == f"/{entry.name}/"
    assert reverse(entry.api_url_name) == f"/api/{entry.name}/"
    for fmt in ("csv", "xlsx", "json"):
        url = reverse(entry.export_url_name, kwargs={"fmt": fmt})
        assert url == f"/{entry.name}/export.{fmt}"
        assert resolve(url).kwargs == {"kind": entry.name, "fmt": fmt}


@pytest.mark.parametrize("entry", LISTS, ids=lambda entry: entry.name)
def test_api_and_exports_filter_with_the_list_filterset(entry):
    view = resolve(reverse(entry.api_url_name)).func
    assert view.cls.public_list is entry
    assert view.cls().filterset_class is entry.filterset_class
    assert entry.filterset_class.Meta.model is entry.model is entry.resource_class._meta.model
    assert len(entry.sheet_title) <= 31  # Excel's sheet-name limit


@pytest.mark.parametrize("entry", LISTS, ids=lambda entry: entry.name)
def test_export_links_point_at_the_list_exports(entry):
    links = export_links(QueryDict("city=qingdao&page=2"), kind=entry.name)
    assert [link["url"] for link in links] == [
        f"/{entry.name}/export.{fmt}?city=qingdao" for fmt in ("csv", "xlsx", "json")
    ]


@pytest.mark.parametrize("entry", LISTS, ids=lambda entry: entry.name)
def test_summary_facets_and_description_come_from_the_registry(catalogue, entry):
    table, errors = exports.table_for(entry.name)
    assert errors == [] and table is not None
    filterset = entry.filterset_class(QueryDict())
    summary = entry.summarize(filterset=filterset)
    assert summary["count"] == filterset.qs.count() == table.queryset.count() > 0
    facets = entry.facets(filterset=filterset, params=QueryDict(), path=f"/{entry.name}/", summary=summary)
    assert facets and all(isinstance(items, list) for items in facets.values())
    assert str(summary["count"]) in entry.describe(filterset=filterset, count=summary["count"])


def test_searchable_lists_attach_excerpts_others_pass_rows_through(catalogue):
    from practices.lists import CASE_REPORTS, METRICS, PRACTICES
    from practices.models import Practice

    rows = Practice.objects.published().with_cities().order_by("number")[:5]
    searched = PRACTICES.with_excerpts(rows, filterset=PRACTICES.filterset_class(QueryDict("q=融资")))
    assert all(hasattr(row, "search_excerpt") for row in searched)
    plain = PRACTICES.with_excerpts(rows, filterset=PRACTICES.filterset_class(QueryDict()))
    assert all(row.search_excerpt is None for row in plain)
    assert CASE_REPORTS.excerpt is not None and METRICS.excerpt is None


def test_export_links_carry_the_filters_and_offer_chinese_headers():
    links = export_links(QueryDict("city=wenzhou&page=2&per_page=50&headers=zh"), kind="practices")
    assert [link["url"] for link in links] == [
        "/practices/export.csv?city=wenzhou", "/practices/export.xlsx?city=wenzhou",
        "/practices/export.json?city=wenzhou",
    ]
    assert [link["url_zh"] for link in links] == [
        "/practices/export.csv?city=wenzhou&headers=zh", "/practices/export.xlsx?city=wenzhou&headers=zh", None,
    ]
