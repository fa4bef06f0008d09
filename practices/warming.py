"""The busiest pages' figures computed again right after a write, before a visitor asks for them.

A write retires every stored aggregate (practices/catalogue_cache.py). At
100,000 practices on PostgreSQL the first visitor after a staff edit then
waited for them: the home page 3.5 s, /metrics/ 3.7 s, /api/docs/ 5.4 s,
/cities/ 2.3 s. ``catalogue_warm`` computes and stores those figures, which
every process and machine then reads; ``catalogue_warm_soon`` runs it in a
background thread once writes have been quiet for ``WARM_DELAY`` seconds, so a
bulk action's hundred saves warm once.

The figures are stored under the revision current when each is computed, so
a warm that races a later write stores figures nobody asks for, never wrong
ones. A warm that fails costs nothing but the speed: the next visitor
computes what is missing, as without warming. Writes that send no signal
(``QuerySet.update()``, raw SQL, the synthetic generator) are not followed by a
warm; ``manage.py warm_catalogue`` runs one by hand.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connections, transaction
from django.http import QueryDict
from django.utils import translation

__all__ = ["WARM_DELAY", "catalogue_warm", "catalogue_warm_soon", "connect_signals"]

logger = logging.getLogger(__name__)

WARM_DELAY = 2.0

_timer_lock = threading.Lock()
_timer: threading.Timer | None = None


def _steps() -> list[tuple[str, Callable[[], object]]]:
    from . import selectors
    from .lists import PUBLIC_LISTS
    from .release import stored_codebook_table
    from .selectors.api_reference import api_reference
    from .selectors.places import metric_counts, place_counts

    steps: list[tuple[str, Callable[[], object]]] = [
        ("totals", selectors.catalogue_totals),
        ("category-city matrix", selectors.category_city_matrix),
        ("place counts", place_counts),
        ("metric counts", metric_counts),
    ]
    for name, entry in PUBLIC_LISTS.items():
        steps.append((f"{name} list", lambda entry=entry: entry.summarize(filterset=entry.filterset_class(QueryDict()))))
    for code in dict(settings.LANGUAGES):
        steps.append((f"API reference ({code})", lambda code=code: _in_language(code, api_reference)))
        steps.append((f"codebook ({code})", lambda code=code: _in_language(code, stored_codebook_table)))
    return steps


def _in_language(code: str, compute: Callable[[], object]) -> object:
    with translation.override(code):
        return compute()


def catalogue_warm() -> list[tuple[str, float]]:
    """Compute and store the busiest pages' aggregates at the current revision: [(what, seconds), …]."""
    timings = []
    for name, compute in _steps():
        started = time.perf_counter()
        compute()
        timings.append((name, time.perf_counter() - started))
    return timings


def catalogue_warm_soon(*, delay: float = WARM_DELAY) -> None:
    """Warm in a background thread once no write has asked for ``delay`` seconds (if CATALOGUE_WARM_AFTER_WRITE)."""
    global _timer
    if not settings.CATALOGUE_WARM_AFTER_WRITE:
        return
    with _timer_lock:
        if _timer is not None:
            _timer.cancel()
        _timer = threading.Timer(delay, _warm_in_background)
        _timer.daemon = True  # a worker that exits does not wait for it
        _timer.start()


def _warm_in_background() -> None:
    try:
        catalogue_warm()
    except Exception:
        logger.exception("Warming the catalogue's figures failed; visitors compute them as they come")
    finally:
        # This thread's own connections (Django's are per thread).
        connections.close_all()


def _after_write(sender, using: str = "default", raw: bool = False, action: str = "post_", **kwargs) -> None:
    # loaddata (raw) and the pre_ half of a many-to-many change are not the end of a write.
    if not raw and action.startswith("post_"):
        transaction.on_commit(catalogue_warm_soon, using=using)


def connect_signals() -> None:
    """Warm after every save, delete or many-to-many change of the catalogue's models (PracticesConfig.ready)."""
    from .catalogue_cache import on_catalogue_writes

    on_catalogue_writes(saved_or_deleted=_after_write, m2m_changed=_after_write, name="warming")
