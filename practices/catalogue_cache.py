"""Cached catalogue aggregates, invalidated by a revision token that every change replaces.

Facet counts, filtered totals and the home page's figures are aggregates over
the whole catalogue (at 100,000 practices, hundreds of milliseconds each), yet
they change only when the catalogue does: a load, an import, a staff edit, a
publication. So each is computed once and stored as JSON in
``CatalogueAggregate`` under the catalogue's current *revision token* (the
single row of ``CatalogueRevision``), the aggregate's name and a digest of its
arguments (the filters):

* The database owns the rule: triggers (migration 0009, restored after every
  migrate by ``revision_triggers_install``) give the revision row a new random
  token and delete the aggregates of older tokens on every INSERT, UPDATE or
  DELETE of a counted table (``COUNTED_TABLES``), whoever writes: a staff
  save, a load, a bulk ``update()``, raw SQL in a shell or a migration. On
  SQLite they are row triggers, on PostgreSQL one statement trigger per table.
  Django signals do the same only on a database without these triggers.
* ``catalogue_changed()`` does it by hand, for writes the triggers cannot see
  (the SQLite FTS5 search index is a virtual table, which takes no trigger).
* The token is replaced in the writer's transaction: until it commits, other
  readers see the old token *and* the old rows, so a cached figure always
  describes the rows a reader can see. Readers only read the revision row,
  so a long load never blocks them (on PostgreSQL a concurrent staff save
  waits for the load's commit: both write the revision row).
* A random token rather than a counter: a ``flush`` or a restore that drops
  the row cannot bring back a token that still has aggregates stored.
* A hit is one query (the aggregate joined to the current token); a miss
  reads the token, computes, and stores with one INSERT that ignores a
  concurrent identical one.
* Inside an anonymous request, which read the revision first, a hit this
  process has already read costs no query (practices/revision_memo.py).

Why not Django's cache framework: its database backend spends five queries
on a ``set`` (a cull count, a lookup, the write, a savepoint) and needs a
separate read of the token; these aggregates are the main cost of the pages
they serve, so they get a purpose-made table instead.
"""
from __future__ import annotations

import contextvars
import hashlib
import json
import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.db import DatabaseError, IntegrityError, connections, router, transaction
from django.db.models import Subquery
from django.utils import timezone

from .models import CatalogueAggregate, CatalogueRevision
from .revision_memo import revision_memo

T = TypeVar("T")


def catalogue_revision(*, using: str | None = None) -> str:
    """The current revision token (32 hex digits). One query; creates the row if it is missing."""
    alias = using or router.db_for_read(CatalogueRevision)
    token = CatalogueRevision.objects.using(alias).filter(key=1).values_list("token", flat=True).first()
    if token is None:
        token = _new_revision(using=using or router.db_for_write(CatalogueRevision), purge=False)
    return token


def _new_revision(*, using: str, purge: bool = True) -> str:
    token = uuid.uuid4().hex
    # update() skips auto_now: set ``changed`` too, it is the pages' Last-Modified (practices/page_cache.py).
    updated = CatalogueRevision.objects.using(using).filter(key=1).update(token=token, changed=timezone.now())
    if not updated:
        try:
            with transaction.atomic(using=using):
                CatalogueRevision.objects.using(using).create(key=1, token=token)
        except IntegrityError:
            # Another process created the row first: take over with our token.
            CatalogueRevision.objects.using(using).filter(key=1).update(token=token, changed=timezone.now())
    if purge:
        CatalogueAggregate.objects.using(using).exclude(token=token).delete()
    return token


def catalogue_changed(*, using: str | None = None) -> str:
    """Invalidate every cached aggregate: give the catalogue a new revision token (returned).

    Call it inside the transaction that changes the catalogue, after any bulk
    write that bypasses ``save()``. Two statements (the token, the purge).
    """
    return _new_revision(using=using or router.db_for_write(CatalogueRevision))


# Every distinct filter set (any search text) gets a row until the next change of the catalogue:
# bound the table so that a crawler walking random queries cannot grow it without end.
MAX_AGGREGATES = 5000
PRUNE_PROBABILITY = 0.02


def aggregates_prune(*, using: str | None = None, keep: int = MAX_AGGREGATES) -> int:
    """Delete the oldest aggregates beyond ``keep`` (they are recomputed when asked again); returns how many."""
    alias = using or router.db_for_write(CatalogueAggregate)
    rows = CatalogueAggregate.objects.using(alias)
    excess = rows.count() - keep
    if excess <= 0:
        return 0
    oldest = list(rows.order_by("created", "pk").values_list("pk", flat=True)[:excess + keep // 5])
    deleted, _ = rows.filter(pk__in=oldest).delete()
    return deleted


def aggregate_digest(parts: object) -> str:
    """The sha1 of ``parts`` as sorted, compact JSON: the arguments' identity."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha1(text.encode()).hexdigest()


# How long a reader waits to store an aggregate while another process writes (SQLite locks the
# whole file during a load or an import): not storing it costs little, waiting stalls the page.
STORE_LOCK_WAIT_MS = 50


@contextmanager
def _short_lock_wait(alias: str) -> Iterator[None]:
    connection = connections[alias]
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA busy_timeout = {STORE_LOCK_WAIT_MS}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(previous)}")


def catalogue_cached(name: str, parts: object, compute: Callable[[], T], *, using: str | None = None) -> T:
    """``compute()``'s result for ``(name, parts)`` at the current revision, stored when first computed.

    ``parts`` must be JSON-serialisable and identify everything ``compute``
    depends on (the filter values). The result must be JSON data (dicts with
    string keys, lists, numbers, strings): it comes back from the database as
    JSON, so a tuple returns as a list. A database that refuses the write (a
    read-only one) only costs the computation.
    """
    digest = aggregate_digest(parts)
    if using is None:
        # Inside an anonymous request the revision was read first: this process may already hold the figures.
        return revision_memo(f"aggregate:{name}", digest, lambda: _stored_or_computed(name, digest, compute, using))
    return _stored_or_computed(name, digest, compute, using)


def _stored_or_computed(name: str, digest: str, compute: Callable[[], T], using: str | None) -> T:
    alias = using or router.db_for_read(CatalogueAggregate)
    current = CatalogueRevision.objects.using(alias).filter(key=1).values("token")[:1]
    found = list(
        CatalogueAggregate.objects.using(alias).filter(token=Subquery(current), name=name, digest=digest)
        .values_list("value", flat=True)[:1]
    )
    if found:
        return found[0]
    value = compute()
    write_alias = using or router.db_for_write(CatalogueAggregate)
    try:
        token = catalogue_revision(using=write_alias)
        with _short_lock_wait(write_alias), transaction.atomic(using=write_alias):
            CatalogueAggregate.objects.using(write_alias).bulk_create(
                [CatalogueAggregate(token=token, name=name, digest=digest, value=value)], ignore_conflicts=True,
            )
        if random.random() < PRUNE_PROBABILITY:
            aggregates_prune(using=write_alias)
    except DatabaseError:
        # Read-only or full: serve the figures computed, keep nothing.
        pass
    # What the next request will read: JSON round-tripped (tuples become lists).
    return json.loads(json.dumps(value))


# --------------------------------------------------------------------------- triggers

# The tables whose rows the cached aggregates count or filter on (and the many-to-many tables).
COUNTED_TABLES = (
    "practices_category",
    "practices_province",
    "practices_city",
    "practices_sourcedocument",
    "practices_practice",
    "practices_practiceentry",
    "practices_casereport",
    "practices_casereport_cities",
    "practices_casereport_categories",
    "practices_relatedpractice",
    "practices_metric",
)
TRIGGER_VENDORS = frozenset({"sqlite", "postgresql"})

# The definitions of migration 0009 (frozen there): a new random token of 32 hex digits, then the
# aggregates of older tokens go.
_SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS catalogue_revision_{table}_{event} AFTER {event} ON {table}
BEGIN
    INSERT INTO practices_cataloguerevision (key, token, changed)
    VALUES (1, lower(hex(randomblob(16))), strftime('%Y-%m-%d %H:%M:%f', 'now'))
    ON CONFLICT (key) DO UPDATE SET token = excluded.token, changed = excluded.changed;
    DELETE FROM practices_catalogueaggregate
    WHERE token <> (SELECT token FROM practices_cataloguerevision WHERE key = 1);
END
"""
_SQLITE_EVENTS = ("insert", "update", "delete")
_POSTGRESQL_TRIGGER = """
CREATE TRIGGER catalogue_revision_bump
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION practices_catalogue_revision_bump()
"""


def revision_triggers_missing(*, using: str = "default") -> list[str]:
    """The counted tables that lack their revision trigger(s) (empty on a vendor without triggers)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
            present = set(cursor.fetchall())
            return [t for t in COUNTED_TABLES
                    if any((t, f"catalogue_revision_{t}_{e}") not in present for e in _SQLITE_EVENTS)]
        if connection.vendor == "postgresql":
            cursor.execute("SELECT DISTINCT event_object_table FROM information_schema.triggers "
                           "WHERE trigger_name = 'catalogue_revision_bump' AND trigger_schema = current_schema()")
            present = {row[0] for row in cursor.fetchall()}
            return [t for t in COUNTED_TABLES if t not in present]
    return []


def revision_triggers_install(*, using: str = "default") -> list[str]:
    """Create the missing revision triggers (after a migrate); returns the tables repaired.

    On SQLite, a migration that remakes a table (most AlterField and
    RemoveField operations) drops that table's triggers with it.
    """
    connection = connections[using]
    if connection.vendor not in TRIGGER_VENDORS:
        return []
    tables = [t for t in revision_triggers_missing(using=using) if t in connection.introspection.table_names()]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "sqlite":
                for event in _SQLITE_EVENTS:
                    cursor.execute(_SQLITE_TRIGGER.format(table=table, event=event))
            else:
                # The function comes with migration 0009, which precedes any table repair.
                cursor.execute(f"DROP TRIGGER IF EXISTS catalogue_revision_bump ON {table}")
                cursor.execute(_POSTGRESQL_TRIGGER.format(table=table))
    return tables


def _after_migrate(sender, using="default", plan=None, **kwargs) -> None:
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connections[using])
    if ("practices", "0009_revision_triggers") in recorder.applied_migrations():
        revision_triggers_install(using=using)


# --------------------------------------------------------------------------- without triggers

# Inside catalogue_changes_deferred(): the aliases whose catalogue changed in the block.
_deferred: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("catalogue_changes_deferred",
                                                                            default=None)


@contextmanager
def catalogue_changes_deferred() -> Iterator[None]:
    """Within the block, explicit changes (catalogue_touched) only note the change; the token is replaced once.

    Where triggers own the rule, they have replaced the token already and this
    only saves a redundant UPDATE; on a database without them, a load's
    thousands of saves cost one UPDATE instead of thousands. Nested blocks join
    the outermost. If the block raises, nothing is done (its transaction is
    being rolled back).
    """
    if _deferred.get() is not None:
        yield
        return
    changed: set[str] = set()
    token = _deferred.set(changed)
    try:
        yield
    finally:
        _deferred.reset(token)
    for alias in sorted(changed):
        catalogue_changed(using=alias)


def catalogue_touched(*, using: str) -> None:
    """Note a change: replace the token now, or at the end of the enclosing deferred block."""
    pending = _deferred.get()
    if pending is not None:
        pending.add(using)
    else:
        catalogue_changed(using=using)


def _on_change(sender, instance=None, raw=False, using="default", **kwargs) -> None:
    if connections[using].vendor not in TRIGGER_VENDORS:
        catalogue_touched(using=using)


def _on_m2m_change(sender, action: str, using="default", **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"} and connections[using].vendor not in TRIGGER_VENDORS:
        catalogue_touched(using=using)


def on_catalogue_writes(*, saved_or_deleted: Callable, m2m_changed: Callable, name: str) -> None:
    """Connect receivers to every save and delete of the catalogue's models and every change of its
    many-to-many links (the tables of COUNTED_TABLES); ``name`` makes their dispatch uids unique."""
    from django.db.models import signals

    from .models import (
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

    for model in (Category, Province, City, SourceDocument, Practice, PracticeEntry, CaseReport, Metric,
                  RelatedPractice):
        uid = model._meta.label_lower
        signals.post_save.connect(saved_or_deleted, sender=model, dispatch_uid=f"{name}_saved_{uid}")
        signals.post_delete.connect(saved_or_deleted, sender=model, dispatch_uid=f"{name}_deleted_{uid}")
    for through in (CaseReport.cities.through, CaseReport.categories.through):
        signals.m2m_changed.connect(m2m_changed, sender=through, dispatch_uid=f"{name}_m2m_{through._meta.label_lower}")


def connect_signals() -> None:
    """Keep the triggers after migrations; on other databases, invalidate by signals (PracticesConfig.ready)."""
    from django.apps import apps
    from django.db.models.signals import post_migrate

    post_migrate.connect(_after_migrate, sender=apps.get_app_config("practices"),
                         dispatch_uid="catalogue_cache_revision_triggers")
    on_catalogue_writes(saved_or_deleted=_on_change, m2m_changed=_on_m2m_change, name="catalogue_cache")
