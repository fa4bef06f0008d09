"""practices.fragments: facet panels rendered once per revision, query and language, never stale."""
from __future__ import annotations

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
