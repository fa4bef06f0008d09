"""practices.fragments: facet panels rendered once per revision, query and language, never stale."""
from __future__ import annotations

import re

import pytest

from practices import selectors
from practices.models import Category, Practice

pytestmark = pytest.mark.django_db


@pytest.fixture
def facet_builds(monkeypatch):
    """How many times the practice list built its facets (rendering the panels)."""
    calls = []
    real = selectors.practice_facets

    def counting(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(selectors, "practice_facets", counting)
    return calls


def test_the_facet_panels_are_built_once_for_every_page_and_order_of_a_list(client, catalogue, facet_builds):
    first = client.get("/practices/?category=2").content.decode()
    again = client.get("/practices/?category=2&page=2&per_page=10").content.decode()
    assert len(facet_builds) == 2  # per_page stays in the panels' links, so it is part of the key
    client.get("/practices/?category=2&page=3&per_page=10")
    client.get("/practices/?category=2")
    assert len(facet_builds) == 2
    panel = first[first.index('<aside class="facets"'):first.index("</aside>")]
    assert 'href="/practices/?category=2&amp;city=' in panel  # toggles keep the filter, page 1
    assert "per_page=10" in again[again.index('<aside class="facets"'):]


def test_a_write_retires_the_panels_at_once(client, catalogue, facet_builds):
    before = client.get("/practices/").content.decode()
    category = Category.objects.get(number=2)
    count = Practice.objects.published().filter(category=category).count()
    assert f'<span class="count">{count}</span>' in before
    Practice.objects.filter(pk=Practice.objects.published().filter(category=category).first().pk).update(
        status="draft")
    after = client.get("/practices/").content.decode()
    assert len(facet_builds) == 2
    assert f'<span class="count">{count - 1}</span>' in after


def test_a_refused_value_shows_no_panels_after_the_plain_list_made_them(client, catalogue):
    assert 'class="facet"' in client.get("/practices/").content.decode()
    refused = client.get("/practices/?city=nowhere").content.decode()
    assert 'class="facet"' not in refused


def test_each_language_gets_its_own_panels(client, catalogue):
    chinese = client.get("/practices/").content.decode()
    english = client.get("/en/practices/").content.decode()
    assert "按条件筛选" in chinese and "按条件筛选" not in english
    assert 'href="/en/practices/?category=' in english and 'href="/en/practices/?category=' not in chinese


def test_the_home_map_and_matrix_are_made_once_per_revision(client, catalogue, monkeypatch):
    calls = []
    real = selectors.category_city_matrix
    monkeypatch.setattr(selectors, "category_city_matrix", lambda **kw: calls.append(1) or real(**kw))
    first = client.get("/").content.decode()
    assert client.get("/").content.decode() == first
    assert len(calls) == 1 and 'class="matrix"' in first and "home-map" in first
    Practice.objects.filter(pk=Practice.objects.published().first().pk).update(status="draft")
    after = client.get("/").content.decode()
    assert len(calls) == 2
    assert f'<a href="/practices/">{Practice.objects.published().count()}</a>' in after


@pytest.fixture
def row_renders(monkeypatch):
    """The practices whose list row was rendered (not read from the fragment cache)."""
    rendered = []

    def counting(real):
        def fetch(**kwargs):
            rows = list(real(**kwargs))
            rendered.extend(row.number for row in rows)
            return rows
        return fetch

    # The row cache's misses read practice_rows; a search's rows (never cached) practice_list_page_rows.
    for name in ("practice_rows", "practice_list_page_rows"):
        monkeypatch.setattr(selectors, name, counting(getattr(selectors, name)))
    return rendered


def listed_numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<li value="(\d+)">', html)]


def test_a_row_is_rendered_once_and_shared_by_every_list_it_appears_in(client, catalogue, row_renders):
    first = client.get("/practices/?category=2").content.decode()
    shown = listed_numbers(first)
    assert shown and sorted(row_renders) == sorted(shown)
    # The same rows under another filter, order and page size: none rendered again.
    again = client.get("/practices/?category=2&sort=-number&per_page=50").content.decode()
    assert sorted(listed_numbers(again)) == sorted(shown) and sorted(row_renders) == sorted(shown)
    practice = Practice.objects.get(number=shown[0])
    row = again[again.index(f'<li value="{practice.number}">'):]
    row = row[:row.index("</li>")]
    assert practice.get_absolute_url() in row and practice.category.get_absolute_url() in row
    # The full list renders only the rows not seen yet.
    whole = listed_numbers(client.get("/practices/?per_page=100").content.decode())
    assert sorted(row_renders) == sorted(set(whole) | set(shown)) and len(row_renders) == len(set(row_renders))


def test_a_write_retires_every_row_at_once(client, catalogue, row_renders):
    client.get("/practices/?category=2")
    practice = Practice.objects.published().filter(category__number=2).order_by("number").first()
    Practice.objects.filter(pk=practice.pk).update(name="改名后的<做法>")
    after = client.get("/practices/?category=2").content.decode()
    assert "改名后的&lt;做法&gt;" in after and "改名后的<做法>" not in after
    assert row_renders.count(practice.number) == 2


def test_rows_are_kept_per_language(client, catalogue):
    chinese = client.get("/practices/?category=2").content.decode()
    english = client.get("/en/practices/?category=2").content.decode()
    assert 'href="/practices/' in chinese[chinese.index('<ol class="practice-list">'):]
    rows = english[english.index('<ol class="practice-list">'):english.index("</ol>")]
    assert 'href="/en/practices/' in rows and 'href="/practices/' not in rows
    assert f"No. {listed_numbers(english)[0]}" in rows and "第 " not in rows


def test_a_search_renders_its_rows_with_the_words_marked(client, catalogue, row_renders):
    client.get("/practices/")
    before = len(row_renders)
    found = client.get("/practices/?q=融资").content.decode()
    assert "<mark>融资</mark>" in found[found.index('<ol class="practice-list">'):]
    assert len(row_renders) > before  # searched rows are never the cached, unmarked ones


def test_a_practice_made_draft_leaves_every_cached_list_at_once(client, catalogue):
    first = client.get("/practices/?category=2").content.decode()
    practice = Practice.objects.get(number=listed_numbers(first)[0])
    Practice.objects.filter(pk=practice.pk).update(status="draft")
    for url in ("/practices/?category=2", "/practices/?per_page=100", "/en/practices/?category=2"):
        html = client.get(url).content.decode()
        assert practice.number not in listed_numbers(html) and practice.name not in html, url
