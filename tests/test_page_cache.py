"""The full-page cache: anonymous GETs are stored under the catalogue revision, never a visitor's state."""
from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory

from practices.catalogue_cache import catalogue_changed
from practices.models import Practice
from practices.page_cache import PAGE_CACHE_ALIAS, PUBLIC_CACHE_CONTROL, PublicPageCacheMiddleware

pytestmark = pytest.mark.django_db

API_LIST = "/api/practices/"


@pytest.fixture(autouse=True)
def page_cache(settings):
    """A real (local-memory) page cache; the suite's settings store nothing."""
    settings.CACHES = {**settings.CACHES, PAGE_CACHE_ALIAS: {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-pages"}}
    caches[PAGE_CACHE_ALIAS].clear()
    yield caches[PAGE_CACHE_ALIAS]
    caches[PAGE_CACHE_ALIAS].clear()


def test_an_anonymous_get_is_stored_then_served_with_cdn_headers(client, catalogue):
    first = client.get(API_LIST)
    second = client.get(API_LIST)
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert first["ETag"] == second["ETag"] and first["ETag"].startswith('"')
    assert second["Cache-Control"] == PUBLIC_CACHE_CONTROL
    assert "Last-Modified" in second


def test_a_conditional_get_is_answered_304_until_the_catalogue_changes(client, catalogue):
    etag = client.get(API_LIST)["ETag"]
    not_modified = client.get(API_LIST, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304 and not_modified.content == b""
    catalogue_changed()
    assert client.get(API_LIST, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_page_stored_before_a_practice_is_unpublished_never_shows_it(client, catalogue):
    practice = Practice.objects.published().get(number=23)
    page = f"/practices/{practice.number}/"
    client.get(API_LIST)
    assert client.get(API_LIST).json()["count"] == 72
    # A write that bypasses the ORM's signals, as a data fix in SQL would.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE practices_practice SET status = 'draft' WHERE number = %s", [practice.number])
    assert client.get(API_LIST).json()["count"] == 71
    assert client.get(page).status_code == 404


def test_pages_stored_by_the_code_before_a_deploy_are_not_served_after_it(client, catalogue, monkeypatch):
    from practices.page_cache import code_version

    first = client.get(API_LIST)
    assert client.get(API_LIST)["X-Page-Cache"] == "hit"
    # A deploy: same rows, new code (DJANGO_RELEASE, or changed files).
    monkeypatch.setenv("DJANGO_RELEASE", "next-release")
    code_version.cache_clear()
    try:
        after = client.get(API_LIST)
        assert after["X-Page-Cache"] == "miss" and after["ETag"] != first["ETag"]
    finally:
        monkeypatch.delenv("DJANGO_RELEASE")
        code_version.cache_clear()


def test_staff_with_a_session_bypass_the_cache_and_are_not_stored(client, catalogue, staff_user):
    client.force_login(staff_user("编辑"))
    response = client.get(API_LIST)
    assert "X-Page-Cache" not in response and response.get("Cache-Control") != PUBLIC_CACHE_CONTROL
    client.logout()
    client.cookies.clear()
    assert client.get(API_LIST)["X-Page-Cache"] == "miss"


def test_pages_in_both_languages_are_stored_apart(client, catalogue):
    chinese = client.get("/practices/")
    english = client.get("/en/practices/")
    assert chinese["X-Page-Cache"] == english["X-Page-Cache"] == "miss"
    assert chinese["ETag"] != english["ETag"]
    again = client.get("/en/practices/")
    assert again["X-Page-Cache"] == "hit" and "<h1>Typical practices</h1>" in again.content.decode()
    assert again.content == english.content


def middleware_around(view):
    return PublicPageCacheMiddleware(view)


@pytest.mark.parametrize(
    "view",
    [
        pytest.param(lambda request: HttpResponse(get_token(request)), id="page-with-a-csrf-token"),
        pytest.param(lambda request: _with_cookie(HttpResponse("x")), id="response-setting-a-cookie"),
        pytest.param(lambda request: HttpResponse("x", status=404), id="not-found"),
        pytest.param(lambda request: _private(HttpResponse("x")), id="private"),
    ],
)
def test_a_response_carrying_a_visitors_state_is_never_stored(view, catalogue):
    request = RequestFactory().get("/practices/")
    request.LANGUAGE_CODE = "zh-hans"
    response = middleware_around(view)(request)
    assert "X-Page-Cache" not in response
    assert not any(caches[PAGE_CACHE_ALIAS].get(key) for key in _keys_of(request))


def test_another_visitor_never_receives_a_stored_csrf_token(catalogue):
    calls = []

    def view(request):
        calls.append(1)
        return HttpResponse(f"token={get_token(request)}")

    middleware = middleware_around(view)
    for _ in range(2):
        request = RequestFactory().get("/practices/")
        request.LANGUAGE_CODE = "zh-hans"
        middleware(request)
    assert len(calls) == 2  # rendered for each visitor, never replayed


def _with_cookie(response):
    response.set_cookie("visitor", "1")
    return response


def _private(response):
    response["Cache-Control"] = "private"
    return response


def _keys_of(request):
    from practices.catalogue_cache import catalogue_revision
    from practices.page_cache import page_cache_key

    return [page_cache_key(revision=catalogue_revision(), request=request)]
