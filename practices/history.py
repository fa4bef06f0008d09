"""History services: revert a record to an earlier version, restore deleted records.

Keyword-only, typed, ``<entity>_<action>`` like ``practices.services``, whose
versioned save (``curated_record_save``) and publication rule
(``user_can_publish``) these reuse: a revert or restore is itself a new,
attributed version, and never publishes or withdraws on behalf of a user who
may not.
"""
from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from .models import City, Practice, PracticeEntry, Status
from .services import (
    curated_record_save,
    history_user,
    permissions_require,
    practice_entries_set,
    status_for_user,
    user_can_publish,
)

# Bookkeeping that describes the stored row, not the version being brought back.
_NOT_RESTORED = {"id", "version", "load_fingerprint", "created", "updated"}
# A delete cascades to the children in the same transaction: their deletion
# records are at most this far from the parent's.
CASCADE_WINDOW = timedelta(seconds=5)


def _copy_fields(source: models.Model, target: models.Model) -> None:
    for field in type(target)._meta.concrete_fields:
        if field.primary_key or field.name in _NOT_RESTORED:
            continue
        setattr(target, field.attname, getattr(source, field.attname))


def _restore_m2m(record, instance) -> None:
    for field in getattr(record, "_history_m2m_fields", []):
        through_rows = getattr(record, field.name).all()
        target = field.m2m_reverse_field_name()
        getattr(instance, field.name).set([getattr(row, f"{target}_id") for row in through_rows])


def record_revert(*, record, user) -> models.Model:
    """Revert a record to the state of one of its history records (one click in the admin).

    The revert is itself a new version (nothing is lost: the reverted state
    stays in the history). A deleted record is restored instead. A version
    with another publication status needs the publish permission.
    """
    model = record.instance_type
    permissions_require(user=user, codenames=(f"change_{model._meta.model_name}",))
    current = model._default_manager.filter(pk=record.id).first()
    if current is None:
        return record_restore(model=model, object_id=record.id, user=user)
    snapshot = record.instance
    status_changes = getattr(snapshot, "status", None) != getattr(current, "status", None)
    if status_changes and not user_can_publish(user=user, model=model):
        raise ValidationError("这个版本的发布状态与现在不同；恢复它会发布或撤回记录，需要审核角色。")
    with transaction.atomic():
        _copy_fields(snapshot, current)
        reason = f"恢复到 {timezone.localtime(record.history_date):%Y-%m-%d %H:%M:%S} 的版本"
        if hasattr(current, "version"):
            curated_record_save(instance=current, user=user, reason=reason)
        else:
            current.full_clean()
            current._history_user, current._change_reason = history_user(user), reason
            current.save()
        _restore_m2m(record, current)
        if isinstance(current, Practice):
            # A practice is read with its city entries: reverting it reverts them too.
            practice_entries_set(practice=current, entries=practice_entries_at(record=record), user=user,
                                 reason=reason)
    return current


def _replaced_at(record):
    """When ``record``'s version stopped being current: the next history record's date (None: still current)."""
    later = (type(record).objects.filter(id=record.id, history_date__gt=record.history_date)
             .order_by("history_date", "history_id").first())
    return later.history_date if later else None


def practice_entries_at(*, record) -> list[tuple[City, str]]:
    """The practice's entries [(city, text), …] in order, as they were while ``record``'s version was current.

    An admin save writes the practice's record first and its inline entries
    just after, so the entries of a version are their last state before the
    practice's next record.
    """
    before = _replaced_at(record)
    rows = PracticeEntry.history.filter(practice_id=record.id)
    if before is not None:
        rows = rows.filter(history_date__lt=before)
    latest: dict[int, object] = {}
    for row in rows.order_by("-history_date", "-history_id"):
        latest.setdefault(row.id, row)
    alive = sorted((row for row in latest.values() if row.history_type != "-"), key=lambda row: row.position)
    cities = City.objects.in_bulk([row.city_id for row in alive])
    return [(cities[row.city_id], row.text) for row in alive if row.city_id in cities]


def revert_changes(*, record) -> list[tuple[str, str, str]]:
    """What reverting to ``record`` would change, [(label, now, after revert), …], for the confirmation page."""
    model = record.instance_type
    current = model._default_manager.filter(pk=record.id).first()
    if current is None:
        return [("记录", "（已删除）", "恢复")]
    snapshot = record.instance
    changes = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in _NOT_RESTORED or not field.editable:
            continue
        now, then = getattr(current, field.attname), getattr(snapshot, field.attname)
        if now != then:
            if getattr(field, "flatchoices", None):
                labels = dict(field.flatchoices)
                now, then = labels.get(now, now), labels.get(then, then)
            elif field.is_relation:
                now, then = getattr(current, field.name), getattr(snapshot, field.name)
            changes.append((str(field.verbose_name), "" if now is None else str(now), "" if then is None else str(then)))
    if isinstance(current, Practice):
        now = {entry.city_id: entry.text for entry in current.entries.all()}
        then = {city.pk: text for city, text in practice_entries_at(record=record)}
        names = dict(City.objects.filter(pk__in=now.keys() | then.keys()).values_list("pk", "name"))
        for city_id in sorted(now.keys() | then.keys(), key=lambda pk: names.get(pk, "")):
            if now.get(city_id) != then.get(city_id):
                changes.append((f"城市做法：{names.get(city_id, city_id)}", now.get(city_id, "（无）"),
                                then.get(city_id, "（删除）")))
    return changes


def record_restore(*, model: type[models.Model], object_id, user) -> models.Model:
    """Bring a deleted record back from its history, with the children deleted along with it.

    A published record comes back published only if ``user`` may publish;
    otherwise it comes back as a draft, for a reviewer to publish.
    """
    permissions_require(user=user, codenames=(f"add_{model._meta.model_name}",))
    with transaction.atomic():
        return _restore(model, object_id, user)


def _restore(model, object_id, user):
    if model._default_manager.filter(pk=object_id).exists():
        raise ValidationError(f"{model._meta.verbose_name} {object_id} 没有被删除，无需恢复。")
    records = model.history.filter(id=object_id).order_by("-history_date", "-history_id")
    deletion = records.filter(history_type="-").first()
    last_state = records.exclude(history_type="-").first() or deletion
    if deletion is None or last_state is None:
        raise ValidationError(f"找不到 {model._meta.verbose_name} {object_id} 的删除记录。")
    instance = last_state.instance
    instance.pk = object_id
    if hasattr(instance, "version"):
        instance.version = max(r.version for r in records) + 1
    if hasattr(instance, "status"):
        instance.status = status_for_user(status=instance.status, user=user, model=model)
        if instance.status == Status.DRAFT:
            instance.published_at = None
    instance._history_user = history_user(user)
    instance._change_reason = "从删除中恢复"
    instance._state.adding = True
    instance.full_clean(validate_unique=True)
    instance.save(force_insert=True)
    _restore_m2m(last_state, instance)
    # Children that the delete cascaded to, deleted in the same moment.
    moment = deletion.history_date
    for relation in model._meta.related_objects:
        child = relation.related_model
        if relation.on_delete is not models.CASCADE or not hasattr(child, "history") or relation.many_to_many:
            continue
        gone = (child.history.filter(history_type="-", **{relation.field.attname: object_id},
                                     history_date__gte=moment - CASCADE_WINDOW,
                                     history_date__lte=moment + CASCADE_WINDOW)
                .values_list("id", flat=True).distinct())
        for child_id in gone:
            if not child._default_manager.filter(pk=child_id).exists():
                _restore(child, child_id, user)
    return instance


def deleted_records(*, model: type[models.Model]) -> list:
    """Latest deletion record of every deleted object of ``model`` (newest first)."""
    existing = set(model._default_manager.values_list("pk", flat=True))
    seen, found = set(), []
    for record in model.history.filter(history_type="-").order_by("-history_date", "-history_id"):
        if record.id in existing or record.id in seen:
            continue
        seen.add(record.id)
        found.append(record)
    return found
