"""Bulk writes of the spreadsheet import (the confirm): the entries of newly created practices.

A new practice has no entries yet, so its entries cannot conflict with a
staff edit (no version to check) and the delete permission never applies;
they are created in bulk, with their history records (user and reason), at
the end of the import, in its transaction. Changes to existing practices'
entries still go one by one through ``services.practice_entries_set`` (the
version checks and the delete rule live there).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from simple_history.utils import bulk_create_with_history

from .models import City, Practice, PracticeEntry
from .services import history_user

BATCH_SIZE = 500


def new_practice_entries_bulk_create(
    *, plans: Sequence[tuple[Practice, Sequence[tuple[City, str]]]], user, reason: str = "导入"
) -> int:
    """Create the entries [(city, text), …] of each newly created practice, positions 1…n; returns how many.

    Validated here in Python, once per entry, like ``full_clean`` would: the
    field rules, and the model constraints, which hold by construction
    (positions 1…n; cities distinct, else ValidationError). The database
    constraints still stand.
    """
    entries: list[PracticeEntry] = []
    for practice, pairs in plans:
        if practice.pk is None:
            raise ValueError("the practice must be saved first")
        if len({city.pk for city, _ in pairs}) != len(pairs):
            raise ValidationError({"cities": f"序号 {practice.number}：cities 列中有重复的城市"})
        for position, (city, text) in enumerate(pairs, start=1):
            entry = PracticeEntry(practice=practice, city=city, position=position, text=text, version=1)
            # The practice and the cities are stored (no query needed); uniqueness holds by construction.
            entry.full_clean(exclude={"practice", "city"}, validate_unique=False, validate_constraints=False)
            entries.append(entry)
    if entries:
        bulk_create_with_history(
            entries, PracticeEntry, batch_size=BATCH_SIZE, default_user=history_user(user), default_change_reason=reason
        )
    return len(entries)
