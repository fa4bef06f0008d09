"""Results remembered in this process's memory for the catalogue revision a request started with.

An anonymous page reads the catalogue revision once, first
(``PublicPageCacheMiddleware``), and the page is built from that revision:
the facet counts stored for it (practices/catalogue_cache.py), the category
named by ``?category=``. Reading them again from the database on every
request costs a query and a JSON decoding each, about a tenth of a cache
miss's CPU. ``revision_memo`` keeps them in the ``memo`` cache (each
process's memory, like the rendered fragments) under that revision, so every
write retires them at once, as it retires the pages.

The revision is read before the data, never after: a write that lands
during the request changes the database's revision, so what this request
computed from newer rows is stored under a revision nobody asks for again.
Outside such a request (staff pages, POSTs, commands, tests calling a
selector) nothing is remembered and ``compute`` runs every time.
"""
from __future__ import annotations

import contextvars
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.core.cache import caches

__all__ = ["MEMO_CACHE_ALIAS", "request_revision_scope", "revision_memo", "scoped_revision"]

T = TypeVar("T")

MEMO_CACHE_ALIAS = "memo"

_scoped_revision: contextvars.ContextVar[str | None] = contextvars.ContextVar("catalogue_revision", default=None)
# Stored for a result that is None (a name no record has), which the cache cannot tell from a miss.
_NONE = ("revision_memo", "none")


@contextmanager
def request_revision_scope(revision: str) -> Iterator[None]:
    """Within the block, ``revision_memo`` remembers results under ``revision`` (read before any data)."""
    reset = _scoped_revision.set(revision)
    try:
        yield
    finally:
        _scoped_revision.reset(reset)


def scoped_revision() -> str | None:
    """The revision of the current request scope, or None outside one."""
    return _scoped_revision.get()


def revision_memo(name: str, key: str, compute: Callable[[], T]) -> T:
    """``compute()``, remembered under the scope's revision, ``name`` and ``key``; computed every time outside a scope.

    The result must pickle (model instances, JSON data) and must not depend on
    who asks: only catalogue data and ``key``.
    """
    revision = _scoped_revision.get()
    if revision is None:
        return compute()
    store = caches[MEMO_CACHE_ALIAS]
    # Hashed: ``key`` comes from the query string (spaces, any length), which a cache key must not hold.
    cache_key = f"memo:{revision}:{name}:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    found = store.get(cache_key)
    if found is not None:
        return None if found == _NONE else found
    value = compute()
    store.set(cache_key, _NONE if value is None else value)
    return value
