"""Whether a load would change anything, without parsing: the "nothing changed" fast path of load_catalogue.

A full load parses every source and compares every record (about 6 s). When
nothing it depends on has changed since the last full load, its answer is
known: nothing to do. The stamp is a SHA-256 over

* every source file's SHA-256, verified against SHA256SUMS (a changed file
  still fails exactly as a full load does);
* the case-report manifests and the loader's own code (an extractor upgrade
  must reload);
* the database's state: row counts and the newest history record of every
  loaded model (a staff edit, a delete or a flushed database loads again).

It is kept in the default cache (the database cache table) after each full
load. No stamp (a new database, a cleared cache, no cache table): a full load.
Django, not a parser: like ``loading``, it never runs from tests/importer.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import Max

from ..models import (
    CaseReport,
    Category,
    City,
    Metric,
    Practice,
    PracticeEntry,
    Province,
    RelatedPractice,
    SourceDocument,
)

STAMP_KEY = "practices:load_catalogue:stamp"
STAMPED_MODELS = (
    Category,
    Province,
    City,
    SourceDocument,
    Practice,
    PracticeEntry,
    CaseReport,
    RelatedPractice,
    Metric,
)
LOADER_CODE = Path(__file__).resolve().parent


def _database_state() -> list[str]:
    state = []
    for model in STAMPED_MODELS:
        parts = [model._meta.label, str(model._default_manager.count())]
        history = getattr(model, "history", None)
        if history is not None:
            parts.append(str(history.aggregate(latest=Max("history_id"))["latest"]))
        state.append(":".join(parts))
    # The loader's bulk paths (published_at, metric fingerprints) write without history records.
    state.append(str(Practice.objects.aggregate(latest=Max("updated"))["latest"]))
    state.append(str(SourceDocument.objects.order_by("filename").values_list("filename", "sha256")[:100]))
    return state


def load_stamp(*, source_digests: dict[str, str], manifests_dir: Path) -> str:
    """The stamp of the verified sources (name -> SHA-256), the manifests, the loader code and the database."""
    digest = hashlib.sha256()
    for name, value in sorted(source_digests.items()):
        digest.update(f"source {name} {value}\n".encode())
    for path in sorted(Path(manifests_dir).glob("*.toml")):
        digest.update(f"manifest {path.name} ".encode() + hashlib.sha256(path.read_bytes()).digest())
    for path in sorted(LOADER_CODE.glob("*.py")):
        digest.update(f"code {path.name} ".encode() + hashlib.sha256(path.read_bytes()).digest())
    for line in _database_state():
        digest.update(f"db {line}\n".encode())
    return digest.hexdigest()


def stamp_read() -> str | None:
    try:
        return cache.get(STAMP_KEY)
    except DatabaseError:  # no cache table yet: the full load will tell
        return None


def stamp_write(stamp: str) -> None:
    try:
        cache.set(STAMP_KEY, stamp, timeout=None)
    except DatabaseError:
        pass  # the next load is a full one, which is correct, only slower
