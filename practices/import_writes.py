"""The confirm of a practice import: every row's practice and city entries, written in batches at the end.

``PracticeResource`` checks each row (fields, ``full_clean`` without per-row
queries, the publish rule, the delete permission) and collects a
``PracticeWrite``; at the end of the import, inside its transaction,
``practices_import_write`` writes them all with ``practices.bulk_curation``:
a few statements per 500 rows instead of about six per row (12 per update),
with the guarantees of a single staff save: history (user and reason),
version checks under a row lock, drift records, constraints that name the
row, ``load_fingerprint`` untouched. A refused row raises ImportRowError
naming it, and everything written here is rolled back (one savepoint; the
import then rolls back its transaction).

Entries: a new practice's entries are inserted; an existing practice's are
made exactly the listed ones, like ``services.practice_entries_set``:
entries of cities no longer listed are deleted (one by one, with history:
deletions need the delete permission and are rare), entries that move are
parked first so that (practice, position) never repeats on the way, changed
ones are updated at their version, new ones inserted. The search words of
practices whose name or entries changed are rewritten once; the catalogue
revision changes by the database triggers (by hand where there are none).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import Case, IntegerField, Value, When

from . import catalogue_cache
from .bulk_curation import (
    BATCH_SIZE,
    RecordWriteError,
    curated_records_bulk_create,
    records_bulk_write,
    records_lock,
    written_fields,
)
from .models import City, Practice, PracticeEntry
from .services import VersionConflict, history_user

#: where an entry that changes position waits (per practice: (practice, position) is unique)
PARKED_POSITION = 30_000


@dataclass
class PracticeWrite:
    """One confirmed import row: a practice to create or update, and the entries it must have."""

    row_number: int
    row: dict
    practice: Practice
    created: bool
    #: [(city, text), …] in order; None: the row leaves the entries alone
    entries: Sequence[tuple[City, str]] | None
    #: the practice's entries as read with it (an existing practice), in the import's transaction
    stored_entries: Sequence[PracticeEntry] = ()


class ImportRowError(Exception):
    """Row ``write`` cannot be written (``message``, one line); nothing of the import was kept."""

    def __init__(self, *, write: PracticeWrite, message: str) -> None:
        self.write = write
        self.message = message
        super().__init__(f"第 {write.row_number} 条记录：{message}")


def practices_import_write(*, writes: Sequence[PracticeWrite], user, reason: str = "批量导入",
                           entry_reason: str = "导入") -> None:
    """Write the collected rows of a practice import; ImportRowError (nothing written) names a refused row."""
    owners: dict[int, PracticeWrite] = {id(write.practice): write for write in writes}
    try:
        with transaction.atomic(using=router.db_for_write(Practice)):
            _write(writes, owners, user=user, reason=reason, entry_reason=entry_reason)
    except VersionConflict as exc:
        raise ImportRowError(write=owners[id(exc.instance)], message=exc.message) from exc
    except RecordWriteError as exc:
        raise ImportRowError(write=owners[id(exc.record)], message=exc.message) from exc


def _write(writes, owners, *, user, reason: str, entry_reason: str) -> None:
    from .search import search_index_rebuild

    created = [write.practice for write in writes if write.created]
    changed = [write.practice for write in writes if not write.created]
    stored = records_lock(records=changed)
    for write in writes:
        if write.created or _texts_change(write) or write.practice.name != stored[write.practice.pk]["name"]:
            _search_words_set(write)
    curated_records_bulk_create(records=created, user=user, reason=reason)
    records_bulk_write(records=changed, stored=stored, user=user, reason=reason,
                       fields=[*written_fields(Practice), "search_title", "search_document"])
    touched = {practice.pk for practice in created}
    touched |= {practice.pk for practice in changed if practice.name != stored[practice.pk]["name"]}
    touched |= _entries_write(writes, owners, user=user, reason=entry_reason)
    if touched:
        # The words are written already (above): this finds them unchanged and writes the index rows.
        search_index_rebuild(practices=sorted(touched))
    alias = router.db_for_write(Practice)
    if connections[alias].vendor not in catalogue_cache.TRIGGER_VENDORS:
        catalogue_cache.catalogue_touched(using=alias)  # no trigger saw the bulk writes


def _texts_change(write: PracticeWrite) -> bool:
    """Whether the row changes the entries' texts or their order (what the search words are made of)."""
    if write.entries is None:
        return False
    stored = sorted(write.stored_entries, key=lambda entry: entry.position)
    return [text for _, text in write.entries] != [entry.text for entry in stored]


def _search_words_set(write: PracticeWrite) -> None:
    """The practice's search words as the index computes them (name, then the entries' texts in order)."""
    from .search.index import record_documents

    practice = write.practice
    if write.entries is not None:
        texts = [text for _, text in write.entries]
    else:
        texts = [entry.text for entry in sorted(write.stored_entries, key=lambda entry: entry.position)]
    practice.search_title, practice.search_document = record_documents(practice.name, "\n".join([practice.name, *texts]))


def _entries_write(writes, owners, *, user, reason: str) -> set[int]:
    """Make each row's practice have exactly its listed entries; the ids of practices whose entries changed."""
    creates: list[PracticeEntry] = []
    updates: list[PracticeEntry] = []
    parked: list[tuple[PracticeEntry, int]] = []
    removed: list[PracticeEntry] = []
    for write in writes:
        if write.entries is None:
            continue
        wanted = [city.pk for city, _ in write.entries]
        if len(set(wanted)) != len(wanted):
            raise ImportRowError(write=write, message="cities 列中有重复的城市")
        existing = {} if write.created else {entry.city_id: entry for entry in write.stored_entries}
        gone = [entry for city_id, entry in existing.items() if city_id not in wanted]
        if gone and user is not None and not user.has_perm("practices.delete_practiceentry"):
            names = "、".join(entry.city.name for entry in gone)
            raise ImportRowError(write=write, message=f"这会删除 {names} 的城市做法；删除需要删除权限，你没有。")
        removed += gone
        moved = 0
        for position, (city, text) in enumerate(write.entries, start=1):
            entry = existing.get(city.pk)
            if entry is None:
                entry = PracticeEntry(practice=write.practice, city=city, position=position, text=text)
                creates.append(entry)
            elif entry.position == position and entry.text == text:
                continue
            else:
                if entry.position != position:
                    moved += 1
                    parked.append((entry, PARKED_POSITION + moved))
                entry.position, entry.text = position, text
                updates.append(entry)
            _validate(entry, write)
            owners[id(entry)] = write
    stored = records_lock(records=updates)
    for entry in removed:
        entry._history_user = history_user(user)
        entry._change_reason = f"{reason}时删除"
        entry.delete()
    _park(parked)
    records_bulk_write(records=updates, stored=stored, user=user, reason=reason)
    curated_records_bulk_create(records=creates, user=user, reason=reason)
    return {entry.practice_id for entry in [*creates, *updates, *removed]}


def _validate(entry: PracticeEntry, write: PracticeWrite) -> None:
    """full_clean() without its queries: the practice and city are stored, uniqueness holds by construction."""
    try:
        entry.full_clean(exclude={"practice", "city"}, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ImportRowError(write=write, message=f"{entry.city.name}：{'；'.join(exc.messages)}") from exc


def _park(parked: Sequence[tuple[PracticeEntry, int]]) -> None:
    """Move entries that change position out of the way (no history: the final write records the move)."""
    for start in range(0, len(parked), BATCH_SIZE):
        batch = parked[start:start + BATCH_SIZE]
        PracticeEntry.objects.filter(pk__in=[entry.pk for entry, _ in batch]).update(position=Case(
            *[When(pk=entry.pk, then=Value(spot)) for entry, spot in batch], output_field=IntegerField()))
