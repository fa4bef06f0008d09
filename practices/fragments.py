"""Rendered HTML fragments cached under the catalogue revision: a list's facet panels, the home matrix.

The page cache (practices/page_cache.py) stores whole pages per address; a
fragment is shared by many addresses. The facet panels of /practices/?city=X
are the same on every page and in every order of that list, so page 2, a new
sort, or a staff visit (never page-cached) reuse them. A fragment's key holds
the code version, the catalogue revision and the language, like a page's: any
write retires every fragment at once.

Fragments live in the ``fragments`` cache (settings.CACHES): each process's
own memory, small and bounded. Nothing from a visitor's session is in a
fragment: they are rendered from catalogue data and the query string only.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from django.core.cache import caches
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .catalogue_cache import catalogue_revision
from .page_cache import code_version

__all__ = ["FRAGMENT_CACHE_ALIAS", "cached_fragments", "request_revision"]

FRAGMENT_CACHE_ALIAS = "fragments"


def request_revision(request: HttpRequest) -> str:
    """The catalogue revision of this request: read once (the page cache reads it for anonymous GETs)."""
    revision = getattr(request, "catalogue_revision", None)
    if revision is None:
        revision = request.catalogue_revision = catalogue_revision()
    return revision


def cached_fragments(request: HttpRequest, *, name: str, vary: Iterable[str],
                     render: Callable[[], dict[str, str]]) -> dict[str, SafeString]:
    """``render()``'s named HTML strings, from the fragment cache when this revision already made them.

    ``vary`` is everything the fragments depend on besides the catalogue and the language (a query string).
    """
    material = "\n".join((code_version(), request_revision(request), get_language() or "", name, *vary))
    key = "fragment:" + hashlib.sha256(material.encode("utf-8")).hexdigest()[:40]
    store = caches[FRAGMENT_CACHE_ALIAS]
    parts = store.get(key)
    if parts is None:
        parts = {part: str(html) for part, html in render().items()}
        store.set(key, parts)
    # Rendered by the template engine (escaped there) from catalogue data; never from user markup.
    return {part: mark_safe(html) for part, html in parts.items()}
