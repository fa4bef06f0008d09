"""practices.pagination: deep pages read their keys first and show exactly the rows plain slicing shows."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practices import pagination

pytestmark = pytest.mark.django_db

PAGES = [
    "/practices/?per_page=10&page=3", "/practices/?per_page=10&page=8&sort=-name",
    "/practices/?q=融资&per_page=10&page=2", "/practices/?category=2&per_page=10&page=2&sort=cities",
    "/case-reports/?page=1", "/metrics/?page=5", "/metrics/?page=3&sort=-value&unit=%25",
    "/api/practices/?page=3&page_size=10", "/api/metrics/?page=4&page_size=25",
    "/api/case-reports/?page=2&page_size=5",
]


@pytest.mark.parametrize("url", PAGES)
def test_a_deep_page_shows_the_rows_plain_slicing_shows(client, catalogue, monkeypatch, url):
    monkeypatch.setattr(pagination, "DEFERRED_JOIN_FROM", 10**9)
    plain = client.get(url)
    monkeypatch.setattr(pagination, "DEFERRED_JOIN_FROM", 1)
    with CaptureQueriesContext(connection) as queries:
        keyed = client.get(url)
    assert plain.status_code == keyed.status_code == 200
    assert keyed.content == plain.content
    keys_only = re.compile(r'^SELECT "\w+"\."id" (AS "\w+" )?FROM .* LIMIT \d+ OFFSET \d+$')
    assert any(keys_only.match(q["sql"]) for q in queries) == (parse_qs(urlsplit(url).query)["page"] != ["1"])


def test_a_deep_list_page_reads_its_keys_once(client, catalogue, monkeypatch):
    monkeypatch.setattr(pagination, "DEFERRED_JOIN_FROM", 1)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/practices/?per_page=10&page=3").status_code == 200
    keys_only = re.compile(r'^SELECT "practices_practice"\."id"( AS "\w+")? FROM ')
    # The paginator's keys query, and no second one asking for the keys it already holds.
    assert len([q for q in queries if keys_only.match(q["sql"])]) == 1
