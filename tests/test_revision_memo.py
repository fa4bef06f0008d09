"""practices.revision_memo: what an anonymous request resolved, remembered for its catalogue revision only."""
from __future__ import annotations

import warnings

import pytest
from django.core.cache import CacheKeyWarning
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practices import selectors
from practices.catalogue_cache import catalogue_cached, catalogue_revision
from practices.models import Category
from practices.revision_memo import request_revision_scope, revision_memo, scoped_revision

pytestmark = pytest.mark.django_db


def counted(calls: list, value):
    def compute():
        calls.append(1)
        return value
    return compute


def test_outside_a_request_scope_nothing_is_remembered():
    calls = []
    assert scoped_revision() is None
    assert revision_memo("t", "k", counted(calls, 1)) == 1
    assert revision_memo("t", "k", counted(calls, 1)) == 1
    assert len(calls) == 2


def test_inside_a_scope_a_result_is_computed_once_per_revision_name_and_key():
    calls = []
    with request_revision_scope("r1"):
        assert scoped_revision() == "r1"
        assert [revision_memo("t", "k", counted(calls, {"n": 1})) for _ in range(3)] == [{"n": 1}] * 3
        assert revision_memo("t", "other", counted(calls, 2)) == 2
        assert revision_memo("u", "k", counted(calls, 3)) == 3
    assert len(calls) == 3
    with request_revision_scope("r2"):  # a write made a new revision: computed again
        assert revision_memo("t", "k", counted(calls, {"n": 9})) == {"n": 9}
    assert len(calls) == 4 and scoped_revision() is None


def test_none_is_remembered_and_any_text_makes_a_valid_key():
    calls = []
    with warnings.catch_warnings(), request_revision_scope("r1"):
        warnings.simplefilter("error", CacheKeyWarning)
        key = " 有 空格\n" + "长" * 300
        assert revision_memo("t", key, counted(calls, None)) is None
        assert revision_memo("t", key, counted(calls, None)) is None
    assert len(calls) == 1


def test_a_remembered_result_is_a_copy_the_caller_may_change():
    with request_revision_scope("r1"):
        first = revision_memo("t", "k", lambda: {"rows": [1, 2]})
        first["rows"].append(3)
        assert revision_memo("t", "k", lambda: {"rows": []}) == {"rows": [1, 2]}


def test_stored_aggregates_cost_no_query_the_second_time_in_a_scope(django_assert_num_queries):
    with request_revision_scope(catalogue_revision()):
        assert catalogue_cached("test-figure", {"a": 1}, lambda: {"n": 5}) == {"n": 5}
        with django_assert_num_queries(0):
            assert catalogue_cached("test-figure", {"a": 1}, lambda: {"n": 6}) == {"n": 5}
    with django_assert_num_queries(1):  # outside: the stored row, read from the database
        assert catalogue_cached("test-figure", {"a": 1}, lambda: {"n": 7}) == {"n": 5}


def test_a_lookup_is_remembered_for_its_revision_only(catalogue, django_assert_num_queries):
    category = Category.objects.get(number=2)
    with request_revision_scope(catalogue_revision()):
        assert selectors.category_lookup(category.slug) == category
        assert selectors.category_lookup("没有这个类别") is None
        with django_assert_num_queries(0):
            assert selectors.category_lookup(category.slug).name == category.name
            assert selectors.category_lookup("没有这个类别") is None
    Category.objects.filter(pk=category.pk).update(name="新的类别名")
    with request_revision_scope(catalogue_revision()):
        assert selectors.category_lookup(category.slug).name == "新的类别名"
        assert selectors.category_lookup("新的类别名") == category


def test_an_anonymous_page_reads_filter_and_counts_once_per_revision(client, catalogue):
    def queries_of(url: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        return len(queries), html

    first, _ = queries_of("/practices/?category=2")
    second, _ = queries_of("/practices/?category=2")
    # The category named, the count and the facet counts come from memory the second time.
    assert second <= 3 < first
    Category.objects.filter(number=2).update(name="新的类别名")
    third, html = queries_of("/practices/?category=2")
    assert "新的类别名" in html and third >= first - 1
