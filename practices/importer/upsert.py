"""Upsert by natural key without ever overwriting staff edits.

Each curated record stores ``load_fingerprint``: the SHA-256 of the values the
loader last wrote. On a re-load:

* current values == new values        → unchanged (nothing written);
* current values == last loaded values → the source changed: update;
* otherwise staff edited the record    → skipped (unless ``overwrite``).

Fingerprints hash natural keys, never database ids, so they survive a
fixture round trip into another database.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

CREATED, UPDATED, UNCHANGED, SKIPPED = "created", "updated", "unchanged", "skipped"


def _canonical(value: Any) -> Any:
    if isinstance(value, models.Model):
        return list(value.natural_key())
    if isinstance(value, Decimal):
        # Normalise so that 5.10 read back from the database equals 5.1 as parsed.
        return format(value.normalize(), "f")
    if isinstance(value, list | tuple | set | frozenset):
        items = [_canonical(item) for item in value]
        return sorted(items, key=json.dumps) if isinstance(value, set | frozenset) else items
    return value


def fingerprint(values: dict[str, Any]) -> str:
    """SHA-256 hex digest of ``values`` in a canonical, database-independent form."""
    payload = json.dumps(
        {key: _canonical(val) for key, val in sorted(values.items())},
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    def add(self, action: str) -> None:
        setattr(self, action, getattr(self, action) + 1)


@dataclass
class LoadReport:
    """What a load did: per-model tallies plus a line for every skipped record."""

    tallies: dict[str, Tally] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def record(self, model: type[models.Model], action: str, describe: str = "") -> None:
        self.tallies.setdefault(str(model._meta.verbose_name), Tally()).add(action)
        if action == SKIPPED:
            self.skipped.append(describe)

    @property
    def changed(self) -> bool:
        return bool(self.deleted) or any(t.created or t.updated for t in self.tallies.values())

    def totals(self) -> Tally:
        total = Tally()
        for tally in self.tallies.values():
            for name in (CREATED, UPDATED, UNCHANGED, SKIPPED):
                setattr(total, name, getattr(total, name) + getattr(tally, name))
        return total


class RecordInvalid(ValueError):
    """A record built from a source failed model validation; str() names it."""


def validated(obj: models.Model, describe: str) -> models.Model:
    """Run full_clean (the database constraints are checked by the database)."""
    try:
        obj.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise RecordInvalid(f"{obj._meta.verbose_name} {describe}: {exc.message_dict}") from exc
    return obj


def current_values(obj: models.Model, names: list[str], m2m: dict[str, list] | None = None) -> dict:
    values = {name: getattr(obj, name) for name in names}
    for name in m2m or {}:
        values[name] = set(getattr(obj, name).all())
    return values


def upsert(
    model: type[models.Model],
    *,
    lookup: dict[str, Any],
    values: dict[str, Any],
    report: LoadReport,
    overwrite: bool,
    describe: str,
    m2m: dict[str, list] | None = None,
    create_defaults: dict[str, Any] | None = None,
) -> tuple[models.Model, str]:
    """Create or update one curated record; returns (instance, action).

    ``m2m`` maps many-to-many field names to the wanted related objects; they
    count towards the fingerprint like ordinary values. ``create_defaults``
    are set only when the record is created (e.g. status "published") and are
    not fingerprinted: staff own them afterwards.
    """
    m2m = m2m or {}
    wanted = dict(values) | {name: set(objs) for name, objs in m2m.items()}
    new_print = fingerprint(wanted)
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        fields = {**(create_defaults or {}), **lookup, **values}
        obj = validated(model(**fields, load_fingerprint=new_print), describe)
        obj.save()
        for name, objs in m2m.items():
            getattr(obj, name).set(objs)
        report.record(model, CREATED)
        return obj, CREATED
    now_print = fingerprint(current_values(obj, list(values), m2m))
    if now_print == new_print:
        if obj.load_fingerprint != new_print:
            # Same values, stale bookkeeping (e.g. staff made exactly the
            # loader's change): adopt the fingerprint without a new version.
            model._default_manager.filter(pk=obj.pk).update(load_fingerprint=new_print)
        report.record(model, UNCHANGED)
        return obj, UNCHANGED
    if obj.load_fingerprint and now_print != obj.load_fingerprint and not overwrite:
        report.record(model, SKIPPED, f"{model._meta.verbose_name} {describe}: 工作人员已编辑，未覆盖")
        return obj, SKIPPED
    for name, val in values.items():
        setattr(obj, name, val)
    obj.load_fingerprint = new_print
    obj.version += 1
    validated(obj, describe).save()
    for name, objs in m2m.items():
        getattr(obj, name).set(objs)
    report.record(model, UPDATED)
    return obj, UPDATED
