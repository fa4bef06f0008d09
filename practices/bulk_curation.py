"""Batch versions of ``services.curated_record_save``: many staff writes in a few statements, same guarantees.

``curated_record_save`` spends about six statements on a record (a savepoint
pair, the drift check's two reads, the conditional version UPDATE, the save,
the history INSERT). An import of 10,000 rows cannot afford that; these
functions write a whole list of records of one model in batches and keep what
each single save guarantees:

* **history**: every created or changed record gets its historical record,
  attributed to the user with the reason: the same row django-simple-history's
  ``bulk_history_create`` would write, copied by the database from the rows
  just written (``history_copy``);
* **optimistic locking**: ``records_lock`` reads the stored rows of the
  records to update with a row lock (``SELECT … FOR UPDATE`` on PostgreSQL;
  on SQLite the write transaction already holds the database, it begins
  IMMEDIATE) and compares each stored ``version`` with the version the record
  was read at: a difference is the ``VersionConflict`` a single save raises,
  and nothing is written. Each written record's ``version`` goes up by one;
* **drift**: a stored row that differs from its latest history record (a
  queryset ``update()`` bypassed history) first gets a history record of its
  stored state, attributed to no user, like ``services._record_drift``;
* **constraints**: callers validate in Python (``full_clean`` without the
  per-row queries); the database constraints still stand. A batch the
  database refuses is retried one record at a time, each in a savepoint, to
  name the record (``RecordWriteError``);
* **staff-edit protection**: ``load_fingerprint`` is never written, so the
  loader keeps treating the new values as staff edits.

Callers run these inside their transaction: a raised error leaves the
savepoint of the batch rolled back, and the caller's transaction decides the
rest (an import rolls back everything). Models with many-to-many fields in
their history are not supported (their history rows need the post_save path).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.conf import settings
from django.db import DatabaseError, connections, models, router, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from .models import SEARCH_FIELDS
from .services import VersionConflict, history_user, version_conflict

#: records per INSERT/UPDATE batch (Django splits further where the database limits parameters)
BATCH_SIZE = 500
#: the reason of a history record that catches up with a write that bypassed history
DRIFT_REASON = "同步载入程序的直接更改"


class RecordWriteError(Exception):
    """The database refused one record of a batch; ``record`` is the one, ``message`` says why (one line)."""

    def __init__(self, *, record: models.Model, message: str) -> None:
        self.record = record
        self.message = message
        super().__init__(message)


def _batches(records: Sequence, size: int = BATCH_SIZE) -> Iterator[Sequence]:
    for start in range(0, len(records), size):
        yield records[start:start + size]


def _one_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class _Found(Exception):
    def __init__(self, record: models.Model, exc: BaseException) -> None:
        self.record, self.exc = record, exc


def _refused(records: Sequence[models.Model], exc: DatabaseError, write) -> RecordWriteError:
    """The first record of a refused batch that the database refuses on its own (``write([record])``).

    The search runs in a savepoint that is always rolled back: it writes nothing.
    """
    alias = router.db_for_write(type(records[0]))
    try:
        with transaction.atomic(using=alias):
            for record in records:
                try:
                    with transaction.atomic(using=alias):
                        write([record])
                except DatabaseError as single:
                    raise _Found(record, single) from single
            # Refused only together (two records of the batch conflict): name the first.
            raise _Found(records[0], exc)
    except _Found as found:
        return RecordWriteError(record=found.record, message=f"数据库拒绝写入：{_one_line(found.exc)}")


def _tracked(model: type[models.Model]) -> list[str]:
    return [field.attname for field in model.history.model.tracked_fields]


def written_fields(model: type[models.Model]) -> list[str]:
    """The fields an update writes: what ``save()`` writes, less the creation time, search words and fingerprint."""
    return [
        field.name for field in model._meta.concrete_fields
        if not field.primary_key and not getattr(field, "auto_now_add", False)
        and field.name not in SEARCH_FIELDS and field.name != "load_fingerprint"
    ]


def history_copy(*, model: type[models.Model], pks: Sequence, user, reason: str, history_type: str) -> None:
    """Record the stored state of rows ``pks`` in ``model``'s history: one INSERT … SELECT per batch.

    What ``bulk_history_create`` writes (the tracked fields as stored, the
    date, the user, the reason, the type: "+" created, "~" changed), but
    copied by the database from the rows just written instead of built as
    Python objects (which cost more than the writes themselves).
    """
    if not pks or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    historical = model.history.model
    alias = router.db_for_write(model)
    connection = connections[alias]
    quote = connection.ops.quote_name
    tracked = {field.attname for field in historical.tracked_fields}
    constants = {
        "history_date": historical._meta.get_field("history_date").get_db_prep_save(timezone.now(), connection),
        "history_change_reason": reason,
        "history_type": history_type,
        "history_user_id": getattr(history_user(user), "pk", None),
    }
    targets, sources, params = [], [], []
    for field in historical._meta.concrete_fields:
        if field.attname == "history_id":
            continue
        if field.attname in tracked:
            sources.append(quote(model._meta.get_field(field.name).column))
        elif field.attname in constants:
            sources.append("%s")
            params.append(constants[field.attname])
        else:
            raise NotImplementedError(f"history_copy: {historical.__name__}.{field.attname} has no source")
        targets.append(quote(field.column))
    pk_column = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        for batch in _batches(list(pks)):
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(
                f"INSERT INTO {quote(historical._meta.db_table)} ({', '.join(targets)}) "
                f"SELECT {', '.join(sources)} FROM {quote(model._meta.db_table)} "
                f"WHERE {pk_column} IN ({marks}) ORDER BY {pk_column}",
                [*params, *batch],
            )


def curated_records_bulk_create(*, records: Sequence[models.Model], user, reason: str) -> None:
    """Insert new versioned records of one model (version 1), each with its history record ("+").

    ``records`` must be validated already; they get their primary keys.
    Raises RecordWriteError naming a record the database refuses.
    """
    if not records:
        return
    model = type(records[0])
    alias = router.db_for_write(model)
    returns_keys = connections[alias].features.can_return_rows_from_bulk_insert
    for record in records:
        record.version = 1
        record._history_user = history_user(user)
        record._change_reason = reason

    def write(batch):
        for record in batch:
            record.pk, record._state.adding = None, True  # a retry after a rolled-back attempt
        if not returns_keys:  # the primary keys are found again by the records' values
            bulk_create_with_history(list(batch), model, batch_size=BATCH_SIZE)
            return
        model._default_manager.db_manager(alias).bulk_create(batch, batch_size=BATCH_SIZE)
        history_copy(model=model, pks=[record.pk for record in batch], user=user, reason=reason, history_type="+")

    _write_in_batches(records, write, alias=alias)


def _write_in_batches(records: Sequence[models.Model], write, *, alias: str) -> None:
    """``write`` each batch in its own savepoint; a batch the database refuses is retried row by row to name the row."""
    for batch in _batches(records):
        try:
            with transaction.atomic(using=alias):
                write(batch)
        except DatabaseError as exc:
            raise _refused(batch, exc, write) from exc


def records_lock(*, records: Sequence[models.Model]) -> dict[object, dict]:
    """Lock the stored rows of ``records`` (one model) and check their versions: {pk: stored values}.

    Each record's ``version`` is the version it was read at. A record whose
    stored version differs (or that was deleted) raises the VersionConflict
    that ``curated_record_save`` would, naming the changes made meanwhile.
    """
    if not records:
        return {}
    model = type(records[0])
    names = _tracked(model)
    stored: dict[object, dict] = {}
    for batch in _batches(records):
        rows = model._default_manager.select_for_update().filter(pk__in=[r.pk for r in batch]).values(*names)
        stored.update((row[model._meta.pk.attname], row) for row in rows)
    for record in records:
        row = stored.get(record.pk)
        if row is None or row["version"] != record.version:
            raise version_conflict(instance=record, expected_version=record.version) or VersionConflict(
                instance=record, expected_version=record.version, current_version=None, changes=[])
    return stored


def _drift_catch_up(model: type[models.Model], stored: dict[object, dict]) -> None:
    """A history record of the stored state for each row that differs from its latest history record."""
    compared = [f.attname for f in model._meta.concrete_fields if f.editable and not f.primary_key]
    latest: dict[object, dict] = {}
    pks = list(stored)
    for batch in _batches(pks):
        rows = model.history.filter(id__in=batch).order_by("id", "-history_date", "-history_id").values("id", *compared)
        for row in rows:
            latest.setdefault(row["id"], row)
    drifted = []
    for pk, row in stored.items():
        last = latest.get(pk)
        if last is not None and all(last[name] == row[name] for name in compared):
            continue
        record = model(**row)
        record._history_user = None  # the write that bypassed history is nobody's edit
        drifted.append(record)
    if drifted:
        model.history.bulk_history_create(drifted, batch_size=BATCH_SIZE, update=True,
                                          default_change_reason=DRIFT_REASON)


def records_bulk_write(*, records: Sequence[models.Model], stored: dict[object, dict], user, reason: str,
                       fields: Sequence[str] | None = None) -> None:
    """Write edits of records locked by ``records_lock`` (``stored``): drift first, then version + 1 and history.

    ``fields``: the fields to write (default ``written_fields``). One
    parametrised UPDATE run for the whole batch (``executemany``), not
    Django's ``bulk_update``, whose CASE expressions cost milliseconds per
    record. Raises RecordWriteError naming a record the database refuses.
    """
    if not records:
        return
    model = type(records[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    _drift_catch_up(model, stored)
    columns = [model._meta.get_field(name) for name in (fields or written_fields(model))]
    auto_now = [f for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
    for record in records:
        record.version = stored[record.pk]["version"] + 1
        for field in auto_now:  # as save() does
            field.pre_save(record, add=False)
    quote = connection.ops.quote_name
    sql = (f"UPDATE {quote(model._meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in columns)} "
           f"WHERE {quote(model._meta.pk.column)} = %s")

    def write(batch):
        rows = [[f.get_db_prep_save(getattr(r, f.attname), connection) for f in columns] + [r.pk] for r in batch]
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        history_copy(model=model, pks=[r.pk for r in batch], user=user, reason=reason, history_type="~")

    _write_in_batches(records, write, alias=alias)


def curated_records_bulk_update(*, records: Sequence[models.Model], user, reason: str) -> None:
    """``curated_record_save`` for many stored records of one model: lock and check versions, then write."""
    records_bulk_write(records=records, stored=records_lock(records=records), user=user, reason=reason)
