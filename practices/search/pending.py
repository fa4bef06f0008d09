"""The records whose index update an open ``search_index_deferred()`` block has put off.

Shared by the per-save updates, which add to it, and the rebuild, which clears what it has done.
"""
from __future__ import annotations

import contextvars
from dataclasses import dataclass, field


@dataclass
class _Pending:
    practices: set[int] = field(default_factory=set)
    case_reports: set[int] = field(default_factory=set)
    alias: str | None = None


_deferred: contextvars.ContextVar[_Pending | None] = contextvars.ContextVar("search_index_deferred", default=None)


def _pending_clear(*, practices, case_reports, everything: bool) -> None:
    pending = _deferred.get()
    if pending is None:
        return
    if everything:
        pending.practices.clear()
        pending.case_reports.clear()
        return
    pending.practices.difference_update(practices)
    pending.case_reports.difference_update(case_reports)
