"""The page cache's file backend: Django's, with the directory scan of every write made occasional.

Django's FileBasedCache lists its whole directory on every ``set`` to decide
whether to cull (``_cull``): a cost that grows with the entries, paid by every
cache miss. With tens of thousands of stored pages (a 100k catalogue, and a new
set of keys at every catalogue revision) that scan costs more than rendering
the page. Here one write in ``CULL_EVERY`` per process checks, so the cache
can overshoot ``MAX_ENTRIES`` by at most that many entries per worker before a
cull brings it back; reads and everything else are Django's.
"""
from __future__ import annotations

import itertools

from django.core.cache.backends.filebased import FileBasedCache


class OccasionalCullFileCache(FileBasedCache):
    """FileBasedCache whose size check (a directory listing) runs on one write in ``CULL_EVERY``."""

    def __init__(self, dir, params):
        options = dict(params.get("OPTIONS") or {})
        self.cull_every = max(1, int(options.pop("CULL_EVERY", 100)))
        super().__init__(dir, {**params, "OPTIONS": options})
        self._writes = itertools.count()

    def _cull(self):
        if next(self._writes) % self.cull_every == 0:
            super()._cull()
