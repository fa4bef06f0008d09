"""Property tests: no public query parameter, path segment or raw query string gives a 500.

Every public list (pages, API, exports) and detail URL is requested with query
strings built from the public parameter names, whose values are any unicode
text (NUL, markup, very long strings, percent signs) or a dictionary of
realistic and hostile values. Each answer must be below 500, and an HTML
answer must never echo markup from the input unescaped.

The number of examples comes from HYPOTHESIS_PROFILE (see tests/conftest.py):
"ci", selected by `make test` and CI, runs 300 to 1,300 per property and
5,100 per database pass; `make test` runs the suite on SQLite and on
PostgreSQL, so CI runs 10,200 in all, half against each database. "dev"
(the default) runs 50 per property for a quick loop. The settings are per
test (not a registered profile) because the counts differ per property.
"""
from __future__ import annotations

import os
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
#: `make test` runs this module once per database (SQLite, then PostgreSQL): each pass runs its share.
DATABASE_PASSES = 2


def fuzz(ci: int):
    """A slow property: ``ci`` examples across CI's two database passes under the "ci" profile, 50 under "dev".

    Counts differ per property because a request's cost does: a list page with
    facets takes ~20-40 ms on SQLite, a 404 detail page ~3-6 ms.
    """
    hypothesis_settings = settings(
        max_examples=-(-ci // DATABASE_PASSES) if PROFILE == "ci" else 50, deadline=None, database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large],
    )

    def mark(test):
        return pytest.mark.slow(hypothesis_settings(test))

    return mark

PARAMS = ["category", "city", "province", "has_metrics", "q", "sort", "page", "page_size",
          "per_page", "unit", "kind", "practice", "format", "lang", "headers", "owner", "measure"]

HTML_LISTS = ["/practices/", "/case-reports/", "/metrics/"]
API_LISTS = ["/api/practices/", "/api/case-reports/", "/api/metrics/"]
EXPORTS = ["/practices/export.csv", "/practices/export.json"]
DETAILS = [
    "/practices/{}/", "/practices/{}/compare/", "/cities/{}/", "/provinces/{}/", "/categories/{}/",
    "/case-reports/{}/", "/api/practices/{}/", "/api/case-reports/{}/", "/api/cities/{}/",
    "/api/provinces/{}/", "/api/categories/{}/", "/api/metrics/{}/",
]

# Markup that must never come back unescaped in an HTML page.
MARKERS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>"]
REALISTIC = [
    "融资", "台州", "台州市", "zhejiang", "taizhou-zhejiang", "qingdao", "青岛", "浙江省", "1", "0", "-1", "15", "72",
    "99999999999999999999", "1e400", "NaN", "inf", "", " ", "true", "false", "yes", "True", "2",
    "relevance", "number", "-number", "name", "-name", "cities", "-cities", "value", "-value", "practice",
    "亿元", "%", "percent", "json", "api", "csv", "xlsx", "html", "\x00", "%00", "%", "%ZZ", "%E4%B8",
    "١", "٣", "１", "Ⅻ", "𝟙", "0x10", "1.5", " 1 ", "+1", "1_000", "a" * 5000, "融" * 101,
    *MARKERS,
]


values = st.one_of(
    st.sampled_from(REALISTIC),
    st.text(),
    st.text(min_size=90, max_size=5000),
    st.builds(lambda head, mark, tail: head + mark + tail, st.text(max_size=20), st.sampled_from(MARKERS),
              st.text(max_size=20)),
)
pairs = st.lists(st.tuples(st.sampled_from(PARAMS), values), max_size=6)

# Raw query strings: percent-encodings (valid, truncated, invalid UTF-8), separators and text.
raw_piece = st.one_of(
    st.sampled_from(PARAMS), st.sampled_from(["=", "&", ";", "+", "%", "%00", "%FF", "%E4%B8", "%E8%9E%8D%E8%B5%84",
                                              "%3Cscript%3E", "%2F", "%25", "%%", "#", "?", "[]", "=="]),
    st.text(max_size=10),
    st.from_regex(r"%[0-9A-Fa-f]{2}", fullmatch=True),
)
raw_queries = st.lists(raw_piece, max_size=20).map("".join)

segments = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(REALISTIC),
    st.text(min_size=1),
)


def check(response, params=()) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:2000])
    if "text/html" not in response.get("Content-Type", ""):
        return
    body = response.content.decode("utf-8", "replace")
    for marker in MARKERS:
        assert marker not in body, f"unescaped {marker!r} in the page"
    for _, value in params:
        if "<script" in value.lower() and value.strip():
            assert value.strip() not in body, f"unescaped echo of {value!r}"


def get(client, path: str, params) -> None:
    query = urlencode(params)
    check(client.get(f"{path}?{query}" if query else path), params)


@fuzz(700)
@given(path=st.sampled_from(HTML_LISTS), params=pairs)
def test_html_lists_never_fail(catalogue, client, path, params):
    get(client, path, params)


@fuzz(600)
@given(params=pairs)
def test_practice_list_never_fails(catalogue, client, params):
    get(client, "/practices/", params)


@fuzz(800)
@given(params=pairs)
def test_metric_list_never_fails(catalogue, client, params):
    get(client, "/metrics/", params)


@fuzz(1300)
@given(path=st.sampled_from(API_LISTS), params=pairs)
def test_api_lists_never_fail(catalogue, client, path, params):
    get(client, path, params)


@fuzz(700)
@given(params=pairs)
def test_practice_api_never_fails(catalogue, client, params):
    get(client, "/api/practices/", params)


@fuzz(1300)
@given(path=st.sampled_from(EXPORTS), params=pairs)
def test_exports_never_fail(catalogue, client, path, params):
    get(client, path, params)


@fuzz(2600)
@given(template=st.sampled_from(DETAILS), segment=segments, params=pairs)
def test_detail_urls_never_fail(catalogue, client, template, segment, params):
    get(client, template.format(quote(segment, safe="")), params)


@fuzz(800)
@given(path=st.sampled_from(HTML_LISTS + API_LISTS + EXPORTS), query=raw_queries)
def test_raw_query_strings_never_fail(catalogue, client, path, query):
    check(client.get(f"{path}?{query}"))


@fuzz(700)
@given(path=st.sampled_from(HTML_LISTS), name=st.sampled_from(PARAMS),
       value=st.builds(lambda head, mark, tail: head + mark + tail, st.text(max_size=50),
                       st.sampled_from(MARKERS), st.text(max_size=50)))
def test_html_pages_escape_echoed_markup(catalogue, client, path, name, value):
    get(client, path, [(name, value)])


@fuzz(700)
@given(path=st.sampled_from(HTML_LISTS + API_LISTS),
       params=st.lists(st.tuples(st.sampled_from(PARAMS), st.sampled_from(REALISTIC)),
                       min_size=1, max_size=8))
def test_realistic_combinations_never_fail(catalogue, client, path, params):
    get(client, path, params)


PROBLEM_KEYS = {"type", "title", "status", "detail", "invalid_params"}


@fuzz(600)
@given(path=st.sampled_from(API_LISTS + EXPORTS), params=pairs)
def test_api_and_export_errors_are_always_problem_documents(catalogue, client, path, params):
    query = urlencode(params)
    response = client.get(f"{path}?{query}" if query else path)
    check(response, params)
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json", (response.status_code, response.content[:300])
        body = response.json()
        assert set(body) == PROBLEM_KEYS and body["status"] == response.status_code and body["detail"]
        if response.status_code == 400:
            sent = {name for name, _ in params}
            assert body["invalid_params"] and {param["name"] for param in body["invalid_params"]} <= sent


# Regressions: 500s these properties found ("²".isdigit() is true, but int("²") raises).
FOUND_500 = [
    ("/practices/", "category", "²"),        # selectors/lookups.py category_lookup
    ("/api/practices/", "category", "²"),    # the same lookup, through the API's FilterSet
    ("/metrics/", "category", "¹"),
    ("/case-reports/", "category", "③"),
    ("/practices/", "page", "²"),            # views/common.py paginate
    ("/practices/", "per_page", "²"),
]


@pytest.mark.parametrize(("path", "name", "value"), FOUND_500)
def test_digits_that_int_refuses_do_not_fail(catalogue, client, path, name, value):
    get(client, path, [(name, value)])
