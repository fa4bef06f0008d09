"""``search_index_deferred()``: per-save index updates put off to the end of a block."""
from __future__ import annotations

from contextlib import contextmanager

from django.db import models

from ..models import Practice
from .documents import _INDEXES
from .pending import _deferred, _Pending
from .rebuild import _write_one, search_index_rebuild


@contextmanager
def search_index_deferred(*, using: str | None = None):
    """Within the block, saves only note which records changed; at its end they are updated at once.

    Nested blocks join the outermost. If the block raises, nothing is updated
    (the caller's transaction is being rolled back anyway). A full
    ``search_index_rebuild()`` inside the block makes the final update
    unnecessary and it is skipped.
    """
    if _deferred.get() is not None:
        yield
        return
    pending = _Pending(alias=using)
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    if pending.practices or pending.case_reports:
        search_index_rebuild(practices=sorted(pending.practices), case_reports=sorted(pending.case_reports),
                             using=pending.alias)


def _touched(model: type[models.Model], pk: int, using: str, instance: models.Model | None = None) -> None:
    pending = _deferred.get()
    if pending is not None:
        (pending.practices if model is Practice else pending.case_reports).add(pk)
        pending.alias = pending.alias or using
        return
    _write_one(_INDEXES[model], pk, alias=using, instance=instance)
