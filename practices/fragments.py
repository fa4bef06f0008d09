"""Rendered HTML fragments cached under the catalogue revision: a list's facet panels, the home matrix, rows.

The page cache (practices/page_cache.py) stores whole pages per address; a
fragment is shared by many addresses. The facet panels of /practices/?city=X
are the same on every page and in every order of that list, so page 2, a new
sort, or a staff visit (never page-cached) reuse them. A fragment's key holds
the code version, the catalogue revision and the language, like a page's: any
write retires every fragment at once.

A list's rows are cached one by one (``cached_rows``, like Rails' collection
caching): the row of practice 23 is the same on /practices/, on
/practices/?category=X and on page 7 of a sort, so a page missing from the
page cache reads most of its rows from memory and renders only the others.

Fragments live in the ``fragments`` cache and rows in the ``rows`` cache
(settings.CACHES): each process's own memory, small and bounded. Nothing from a visitor's session is in a
fragment: they are rendered from catalogue data and the query string only.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Iterable, Sequence

from django.core.cache import caches
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .catalogue_cache import catalogue_revision
from .page_cache import code_version

__all__ = ["FRAGMENT_CACHE_ALIAS", "ROW_CACHE_ALIAS", "cached_fragments", "cached_rows", "request_revision"]

FRAGMENT_CACHE_ALIAS = "fragments"
ROW_CACHE_ALIAS = "rows"


def request_revision(request: HttpRequest) -> str:
    """The catalogue revision of this request: read once (the page cache reads it for anonymous GETs)."""
    revision = getattr(request, "catalogue_revision", None)
    if revision is None:
        revision = request.catalogue_revision = catalogue_revision()
    return revision


def _digest(request: HttpRequest, *parts: str) -> str:
    material = "\n".join((code_version(), request_revision(request), get_language() or "", *parts))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:40]


def cached_fragments(request: HttpRequest, *, name: str, vary: Iterable[str],
                     render: Callable[[], dict[str, str]]) -> dict[str, SafeString]:
    """``render()``'s named HTML strings, from the fragment cache when this revision already made them.

    ``vary`` is everything the fragments depend on besides the catalogue and the language (a query string).
    """
    key = "fragment:" + _digest(request, name, *vary)
    store = caches[FRAGMENT_CACHE_ALIAS]
    parts = store.get(key)
    if parts is None:
        parts = {part: str(html) for part, html in render().items()}
        store.set(key, parts)
    # Rendered by the template engine (escaped there) from catalogue data; never from user markup.
    return {part: mark_safe(html) for part, html in parts.items()}


def cached_rows(request: HttpRequest, *, name: str, keys: Sequence[Hashable],
                render: Callable[[list], dict[Hashable, str]]) -> list[SafeString]:
    """The rendered rows of ``keys``, in their order: from the ``rows`` cache, the others by ``render(missing)``.

    ``render`` gets the keys not cached and returns {key: html}; a key it
    leaves out (a record deleted meanwhile) is left out of the list. ``name``
    says what a row depends on besides its record, the catalogue and the
    language (the list and its columns).
    """
    prefix = f"row:{_digest(request, name)}:"
    cache_keys = {key: f"{prefix}{key}" for key in keys}
    store = caches[ROW_CACHE_ALIAS]
    found = store.get_many(cache_keys.values())
    missing = [key for key, cache_key in cache_keys.items() if cache_key not in found]
    if missing:
        fresh = {cache_keys[key]: str(html) for key, html in render(missing).items()}
        store.set_many(fresh)
        found.update(fresh)
    # Rendered by the template engine (escaped there) from catalogue data; never from user markup.
    return [mark_safe(found[cache_keys[key]]) for key in keys if cache_keys[key] in found]
