"""Writes and whole-catalogue operations. Keyword-only, typed, ``<entity>_<action>``.

Revert and restore (the history) are ``practices.history``.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from .models import CaseReport, City, Metric, Practice, PracticeEntry, RelatedPractice, Status

# --------------------------------------------------------------------------- staff curation
#
# Every staff write goes through these functions: they check the user's
# permission, run full_clean(), increment ``version`` with a conditional
# UPDATE (optimistic locking) and attribute the history record to the user.

ROLE_EDITOR = "编辑"
ROLE_REVIEWER = "审核"
ROLES = (ROLE_EDITOR, ROLE_REVIEWER)


@dataclass(frozen=True)
class FieldChange:
    """One field that differs between two versions of a record."""

    field: str
    label: str
    old: str
    new: str


class VersionConflict(Exception):
    """A staff save was based on an older version: someone else saved in between."""

    def __init__(self, *, instance: models.Model, expected_version: int, current_version: int | None,
                 changes: Sequence[FieldChange], changed_by: str = "", changed_at=None) -> None:
        self.instance = instance
        self.expected_version = expected_version
        self.current_version = current_version
        self.changes = list(changes)
        self.changed_by = changed_by
        self.changed_at = changed_at
        super().__init__(self.message)

    @property
    def message(self) -> str:
        meta = type(self.instance)._meta
        if self.current_version is None:
            return f"保存被拒绝：这条{meta.verbose_name}在你打开之后已被删除。"
        who = f"（{self.changed_by}，{timezone.localtime(self.changed_at):%Y-%m-%d %H:%M}）" if self.changed_at else ""
        head = (f"保存被拒绝：这条{meta.verbose_name}在你打开之后已被他人修改{who}"
                f"（你打开的是第 {self.expected_version} 版，现在是第 {self.current_version} 版）。"
                "为避免覆盖别人的修改，你的更改没有保存。请重新打开页面，核对后再改。")
        if not self.changes:
            return head
        lines = "；".join(f"{c.label}：“{c.old}” → “{c.new}”" for c in self.changes)
        return f"{head} 期间的改动：{lines}"


def _short(value, limit: int = 60) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def permissions_require(*, user, codenames: Iterable[str]) -> None:
    """Raise PermissionDenied unless ``user`` has every ``practices.<codename>`` (None: system use)."""
    if user is None:
        return
    missing = [c for c in codenames if not user.has_perm(f"practices.{c}")]
    if missing:
        raise PermissionDenied("没有权限：" + "、".join(missing))


def history_user(user):
    """The user a history record is attributed to: None for system use and anonymous users."""
    return user if getattr(user, "pk", None) else None


def record_changes_since(*, instance: models.Model, version: int) -> tuple[list[FieldChange], object]:
    """Field changes made to ``instance`` since its ``version`` (from its history); (changes, latest record)."""
    history = getattr(type(instance), "history", None)
    if history is None or instance.pk is None:
        return [], None
    records = history.filter(id=instance.pk).order_by("-history_date", "-history_id")
    latest = records.first()
    old = records.filter(version=version).first()
    if latest is None or old is None or latest.pk == old.pk:
        return [], latest
    delta = latest.diff_against(old, foreign_keys_are_objs=True)
    changes = []
    for change in delta.changes:
        field = type(instance)._meta.get_field(change.field)
        old_value, new_value = change.old, change.new
        if getattr(field, "choices", None):
            labels = dict(field.flatchoices)
            old_value, new_value = labels.get(old_value, old_value), labels.get(new_value, new_value)
        if field.many_to_many:
            old_value = "、".join(str(getattr(row, field.m2m_reverse_field_name())) for row in old_value)
            new_value = "、".join(str(getattr(row, field.m2m_reverse_field_name())) for row in new_value)
        changes.append(FieldChange(change.field, str(field.verbose_name), _short(old_value), _short(new_value)))
    return changes, latest


def version_conflict(*, instance: models.Model, expected_version: int) -> VersionConflict | None:
    """A VersionConflict if the stored record is no longer at ``expected_version``, else None."""
    model = type(instance)
    current = model._default_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
    if current == expected_version:
        return None
    changes, latest = record_changes_since(instance=instance, version=expected_version) if current else ([], None)
    return VersionConflict(
        instance=instance, expected_version=expected_version, current_version=current, changes=changes,
        changed_by=str(getattr(latest, "history_user", "") or "") if latest else "",
        changed_at=getattr(latest, "history_date", None),
    )


def _record_drift(model: type[models.Model], pk) -> None:
    """Add a history record when the stored row differs from its latest history record.

    The loader publishes new records with a queryset ``update()``, which
    bypasses history; without this, "what changed meanwhile" and a revert
    would see the stale (draft) state. Attributed to no user ("系统").
    """
    history = getattr(model, "history", None)
    current = model._default_manager.filter(pk=pk).first()
    if history is None or current is None:
        return
    latest = history.filter(id=pk).order_by("-history_date", "-history_id").first()
    fields = [f for f in model._meta.concrete_fields if f.editable and not f.primary_key]
    if latest is not None and all(getattr(latest, f.attname) == getattr(current, f.attname) for f in fields):
        return
    current._history_user = None
    current._change_reason = "同步载入程序的直接更改"
    # post_save is how simple-history records a state (with its many-to-many rows).
    models.signals.post_save.send(sender=model, instance=current, created=False, raw=False,
                                  using=current._state.db, update_fields=None)


def curated_record_save(*, instance: models.Model, user, expected_version: int | None = None,
                        reason: str = "", validate: bool = True) -> models.Model:
    """Save a staff edit of any versioned record; never silently overwrites.

    ``expected_version`` is the version the editor saw (the hidden form
    field); default: the instance's own. The save is a conditional UPDATE
    ``… WHERE pk = … AND version = expected`` that increments ``version``;
    if another save came first, raises :class:`VersionConflict` naming the
    changes made meanwhile, and nothing is written.
    """
    if validate:
        instance.full_clean()
    instance._history_user = history_user(user)
    if reason:
        instance._change_reason = reason
    model = type(instance)
    with transaction.atomic():
        if instance._state.adding or instance.pk is None:
            instance.version = 1
            instance.save()
            return instance
        expected = instance.version if expected_version is None else int(expected_version)
        _record_drift(model, instance.pk)
        claimed = model._default_manager.filter(pk=instance.pk, version=expected).update(version=expected + 1)
        if claimed != 1:
            raise version_conflict(instance=instance, expected_version=expected) or VersionConflict(
                instance=instance, expected_version=expected, current_version=None, changes=[])
        instance.version = expected + 1
        instance.save()
    return instance


def practice_entries_set(*, practice: Practice, entries: Sequence[tuple[City, str]], user,
                         reason: str = "导入") -> None:
    """Make the practice's entries exactly ``entries`` [(city, text), …] in this order.

    Existing entries (same city) keep their provenance and are updated only
    when text or position changed; entries of cities not listed are deleted,
    which needs the delete permission.
    """
    existing = {entry.city_id: entry for entry in practice.entries.all()}
    wanted = [city.pk for city, _ in entries]
    removed = [entry for city_id, entry in existing.items() if city_id not in wanted]
    if removed and user is not None and not user.has_perm("practices.delete_practiceentry"):
        names = "、".join(entry.city.name for entry in removed)
        raise ValidationError({"cities": f"这会删除 {names} 的城市做法；删除需要删除权限，你没有。"})
    with transaction.atomic():
        for entry in removed:
            entry._history_user = history_user(user)
            entry._change_reason = f"{reason}时删除"
            entry.delete()
        moving = [existing[pk] for position, pk in enumerate(wanted, start=1)
                  if pk in existing and existing[pk].position != position]
        for index, entry in enumerate(moving, start=1):
            # Park first so that (practice, position) is never duplicated on the way.
            PracticeEntry.objects.filter(pk=entry.pk).update(position=30000 + index)
        for position, (city, text) in enumerate(entries, start=1):
            entry = existing.get(city.pk)
            if entry is None:
                entry = PracticeEntry(practice=practice, city=city, position=position, text=text)
            elif entry.position == position and entry.text == text:
                continue
            else:
                entry.position, entry.text = position, text
            curated_record_save(instance=entry, user=user, reason=reason)


# ---- publication: the one rule for who may publish
#
# Publishing or withdrawing (any change of ``status``) needs the model's publish
# permission, which only the reviewer role has. A record not stored yet counts as
# a draft: editors create drafts, and a deleted record an editor restores comes
# back as a draft. The admin (forms, actions, revert, restore) and the imports ask here.

PUBLISH_PERMISSIONS: dict[type[models.Model], str] = {
    Practice: "publish_practice",
    CaseReport: "publish_casereport",
}


def user_can_publish(*, user, model: type[models.Model]) -> bool:
    """Whether ``user`` may publish or withdraw records of ``model`` (None: system use).

    False for a model that has no publication status.
    """
    codename = PUBLISH_PERMISSIONS.get(model)
    return codename is not None and (user is None or user.has_perm(f"practices.{codename}"))


def publish_permission_require(*, user, model: type[models.Model]) -> None:
    """Raise PermissionDenied, naming the records, unless ``user`` may publish ``model``."""
    if not user_can_publish(user=user, model=model):
        raise PermissionDenied(f"你没有发布或撤回{model._meta.verbose_name}的权限（需要审核角色）")


def record_status_apply(*, instance: models.Model, user, stored_status: str | None = "") -> bool:
    """Check and complete the status change of an unsaved edit of ``instance``; True if its status changes.

    The stored status (a record not stored yet: draft) is compared with the
    instance's; ``stored_status`` passes it when already read in this
    transaction (an import's prefetch; None: not stored), else it is read. A
    change needs the publish permission (PermissionDenied) and sets
    ``published_at``: now, or None for a draft. Other models: False.
    """
    model = type(instance)
    if model not in PUBLISH_PERMISSIONS:
        return False
    stored = stored_status or None
    if stored_status == "" and instance.pk is not None and not instance._state.adding:
        stored = model._default_manager.filter(pk=instance.pk).values_list("status", flat=True).first()
    if instance.status == (stored or Status.DRAFT):
        return False
    publish_permission_require(user=user, model=model)
    instance.published_at = timezone.now() if instance.status == Status.PUBLISHED else None
    return True


def status_for_user(*, status: str, user, model: type[models.Model]) -> str:
    """The status a record coming back (a restore) gets: ``status`` if ``user`` may publish, else draft."""
    return status if user_can_publish(user=user, model=model) else Status.DRAFT


def _set_status(*, instance, status: str, user, reason: str) -> bool:
    publish_permission_require(user=user, model=type(instance))  # refused even when nothing would change
    if instance.status == status:
        return False
    instance.status = status
    record_status_apply(instance=instance, user=user)
    curated_record_save(instance=instance, user=user, reason=reason)
    return True


def practice_publish(*, practice: Practice, user) -> bool:
    """Publish one practice (reviewers only); False if it already was published."""
    return _set_status(instance=practice, status=Status.PUBLISHED, user=user, reason="发布")


def practice_unpublish(*, practice: Practice, user) -> bool:
    """Withdraw one practice to draft (reviewers only): it disappears from pages, API and exports."""
    return _set_status(instance=practice, status=Status.DRAFT, user=user, reason="撤回为草稿")


def case_report_publish(*, case_report: CaseReport, user) -> bool:
    """Publish one case report (reviewers only); False if it already was published."""
    return _set_status(instance=case_report, status=Status.PUBLISHED, user=user, reason="发布")


def case_report_unpublish(*, case_report: CaseReport, user) -> bool:
    """Withdraw one case report to draft (reviewers only)."""
    return _set_status(instance=case_report, status=Status.DRAFT, user=user, reason="撤回为草稿")


def metric_verify(*, metrics: Iterable[Metric], user) -> int:
    """Mark metrics as checked against the source: sets verified, verified_by, verified_at. Returns how many changed."""
    permissions_require(user=user, codenames=("verify_metric",))
    count = 0
    with transaction.atomic():
        for metric in metrics:
            if metric.verified:
                continue
            metric.verified, metric.verified_by, metric.verified_at = True, history_user(user), timezone.now()
            curated_record_save(instance=metric, user=user, reason="核实")
            count += 1
    return count


def metric_unverify(*, metrics: Iterable[Metric], user) -> int:
    """Withdraw verification (reviewers only). Returns how many changed."""
    permissions_require(user=user, codenames=("verify_metric",))
    count = 0
    with transaction.atomic():
        for metric in metrics:
            if not metric.verified:
                continue
            metric.verified, metric.verified_by, metric.verified_at = False, None, None
            curated_record_save(instance=metric, user=user, reason="取消核实")
            count += 1
    return count


def metrics_reextract(*, owners: Iterable[Practice | PracticeEntry | CaseReport], user):
    """Re-run metric extraction on the current text of practices (all entries), entries or case reports.

    Reuses the loader's sync: verified or staff-edited metrics are never
    overwritten or duplicated; stale unverified ones are removed. Returns
    the loader's LoadReport (created/updated/unchanged/skipped/deleted).
    """
    from .importer.loading import metrics_sync
    from .importer.upsert import LoadReport

    permissions_require(user=user, codenames=("add_metric", "change_metric"))
    report = LoadReport()
    with transaction.atomic():
        for owner in owners:
            if isinstance(owner, Practice):
                entries = list(owner.entries.select_related("city"))
            else:
                entries = [owner]
            for item in entries:
                if isinstance(item, CaseReport):
                    metrics_sync(owner_field="case_report", owner=item, text=item.body, report=report,
                                 describe=f"{item.source.filename} #{item.position}")
                else:
                    metrics_sync(owner_field="entry", owner=item, text=item.text, report=report,
                                 describe=f"{item.practice.number}. {item.city.name}")
    return report


def _related_decide(*, links: Iterable[RelatedPractice], user, confirmed: bool) -> int:
    permissions_require(user=user, codenames=("change_relatedpractice",))
    count = 0
    with transaction.atomic():
        for link in links:
            if link.confirmed is confirmed:
                continue
            link.confirmed = confirmed
            link._history_user = history_user(user)
            link._change_reason = "确认相关" if confirmed else "否决相关"
            link.full_clean()
            link.save()
            count += 1
    return count


def related_practice_confirm(*, links: Iterable[RelatedPractice], user) -> int:
    """Confirm suggested related practices; the loader never touches them again."""
    return _related_decide(links=links, user=user, confirmed=True)


def related_practice_reject(*, links: Iterable[RelatedPractice], user) -> int:
    """Reject suggested related practices; kept (as rejected) so the loader does not suggest them again."""
    return _related_decide(links=links, user=user, confirmed=False)


# ---- staff accounts


def staff_user_create(*, username: str, email: str, password: str, group: str):
    """Create an active staff user in role ``group`` (编辑 or 审核); ValidationError on any problem."""
    if group not in ROLES:
        raise ValidationError(f"未知角色：{group}（只能是 {'、'.join(ROLES)}）")
    try:
        role = Group.objects.get(name=group)
    except Group.DoesNotExist as exc:
        raise ValidationError(f"角色组“{group}”不存在：请先运行 manage.py migrate") from exc
    user_model = get_user_model()
    if user_model._default_manager.filter(username=username).exists():
        raise ValidationError(f"用户名“{username}”已存在")
    user = user_model(username=username, email=email, is_staff=True, is_active=True)
    validate_password(password, user=user)
    user.set_password(password)
    user.full_clean()
    with transaction.atomic():
        user.save()
        user.groups.set([role])
    return user
