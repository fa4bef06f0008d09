"""A full-page cache for anonymous GETs, keyed by the catalogue revision, and CDN-ready headers.

Every public page, export, feed and API response is a function of its path,
its query string, its language and the catalogue's rows. The rows are summed
up by the revision token (:mod:`practices.catalogue_cache`), which every
write replaces, database triggers included. So a page stored under
``(revision, language, host, path, query)`` can never be stale: the first
write retires every stored page at once, with no TTL to guess. The key also
holds the code's version (:func:`code_version`), so pages stored by the code
before a deploy are never served by the code after it (the catalogue's rows
may be the same, its templates not).

The same key gives the ETag, so a conditional GET from a browser or a CDN is
answered with 304 before any view runs (one query: the revision row).

What is never stored, so that a cached page cannot leak one visitor's state
to another:

* requests with a session cookie (staff, who may see more than the public)
  or an Authorization header, and every non-GET/HEAD request;
* the admin and the language switch;
* responses that set a cookie, that used the CSRF token (a form carrying a
  visitor's token), that are not 200, that stream, or that say
  ``Cache-Control: private/no-store``.

The pages are kept in the ``pages`` cache of Django's cache framework: a file
cache under var/ by default (shared by the workers of one machine), Redis
when ``REDIS_URL`` is set (shared by many machines); see settings.CACHES.
"""
from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date, parse_etags

from .models import CatalogueRevision
from .revision_memo import request_revision_scope

__all__ = ["PAGE_CACHE_ALIAS", "PUBLIC_CACHE_CONTROL", "PublicPageCacheMiddleware", "page_cache_key"]

PAGE_CACHE_ALIAS = "pages"
# A CDN or browser may reuse a page for a minute, and serve a stale one for ten while it
# revalidates (a 304 costs one query): a publication reaches readers within a minute.
PUBLIC_CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=600"
HIT_HEADER = "X-Page-Cache"
# Headers kept with a stored page; the rest (Date, Set-Cookie, …) are per response.
_CODE_SUFFIXES = frozenset({".py", ".html", ".txt", ".mo", ".css", ".js", ".json", ".svg"})
_STORED_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language", "Vary", "Link",
                   "Content-Security-Policy", "X-Robots-Tag")


@functools.cache
def code_version() -> str:
    """The deployed code's version: ``DJANGO_RELEASE`` if set (e.g. the git commit), else a digest of
    the name, size and modification time of every file that shapes a page (Python, templates,
    translations, static files) under the project, read once per process (a few milliseconds)."""
    if release := os.environ.get("DJANGO_RELEASE", ""):
        return release
    digest = hashlib.sha256()
    for top in ("practices", "catalogue", "locale"):
        for path in sorted((settings.BASE_DIR / top).rglob("*")):
            if path.suffix in _CODE_SUFFIXES and path.is_file():
                stat = path.stat()
                digest.update(f"{path.relative_to(settings.BASE_DIR)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def page_cache_key(*, revision: str, request: HttpRequest) -> str:
    """The key (and ETag) of a page: code version, revision, language, host and the full path with its query."""
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    material = "\n".join((code_version(), revision, language, request.get_host(), request.get_full_path()))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:40]


@functools.cache
def _revision_sql(vendor: str) -> tuple[str, tuple]:
    """The revision row's SELECT, compiled by the ORM once per process and database vendor."""
    return CatalogueRevision.objects.filter(key=1).values("token", "changed").query.sql_with_params()


def _revision_row() -> tuple[str, datetime | None]:
    # Run on every anonymous request, cache hits included: as raw SQL it costs a third of what the
    # ORM's per-call compilation does (profiled: ~0.1 against ~0.35 ms, most of a hit's CPU).
    sql, params = _revision_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        from .catalogue_cache import catalogue_revision

        return catalogue_revision(), None
    token, changed = row
    if isinstance(changed, str):  # SQLite hands back text
        changed = parse_datetime(changed)
    if changed is not None and timezone.is_naive(changed):
        changed = timezone.make_aware(changed, UTC)
    return token, changed


class PublicPageCacheMiddleware:
    """Serve anonymous GETs from the page cache; answer conditional GETs with 304.

    Place it after the language middleware (the key holds the language, which the URL
    names) and before CommonMiddleware and the views. The response varies by nothing but
    the URL (and Accept-Encoding, which GZipMiddleware adds), so no Vary is added here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.excluded_prefixes = ("/" + settings.ADMIN_URL.lstrip("/"), "/i18n/", "/static/")

    def eligible(self, request: HttpRequest) -> bool:
        """Anonymous public GET/HEAD: no session, no credentials, not the admin."""
        return (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "HTTP_AUTHORIZATION" not in request.META
            and not request.path.startswith(self.excluded_prefixes)
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.eligible(request):
            return self.get_response(request)
        revision, changed = _revision_row()
        request.catalogue_revision = revision  # for the fragments of a page rendered below (practices/fragments.py)
        request.catalogue_changed = changed  # for the page's citation line (practices/templatetags/citation.py)
        with request_revision_scope(revision):
            return self._respond(request, revision=revision, changed=changed)

    def _respond(self, request: HttpRequest, *, revision: str, changed: datetime | None) -> HttpResponse:
        key = page_cache_key(revision=revision, request=request)
        etag = f'"{key}"'
        if etag in parse_etags(request.headers.get("If-None-Match", "")):
            response = HttpResponseNotModified()
            self._public_headers(response, etag=etag, changed=changed)
            response[HIT_HEADER] = "revalidated"
            return response
        store = caches[PAGE_CACHE_ALIAS]
        stored = store.get(key)
        if stored is not None:
            response = self._rebuild(stored)
            response[HIT_HEADER] = "hit"
        else:
            response = self.get_response(request)
            if not self.storable(request, response):
                return response
            store.set(key, self._freeze(response))
            response[HIT_HEADER] = "miss"
        self._public_headers(response, etag=etag, changed=changed)
        return response

    @staticmethod
    def storable(request: HttpRequest, response: HttpResponse) -> bool:
        """True when the response is the same for every anonymous visitor of this URL and language."""
        cache_control = response.get("Cache-Control", "")
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            # get_token() ran: the page embeds this visitor's CSRF token.
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and "private" not in cache_control
            and "no-store" not in cache_control
        )

    @staticmethod
    def _freeze(response: HttpResponse) -> dict:
        headers = {name: response[name] for name in _STORED_HEADERS if response.has_header(name)}
        return {"content": response.content, "status": response.status_code, "headers": headers}

    @staticmethod
    def _rebuild(stored: dict) -> HttpResponse:
        response = HttpResponse(stored["content"], status=stored["status"])
        for name, value in stored["headers"].items():
            response[name] = value
        return response

    @staticmethod
    def _public_headers(response: HttpResponse, *, etag: str, changed: datetime | None) -> None:
        response["ETag"] = etag
        response["Cache-Control"] = PUBLIC_CACHE_CONTROL
        if changed is not None:
            response["Last-Modified"] = http_date(changed.timestamp())
