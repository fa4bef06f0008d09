"""practices.services (staff writes), practices.history (revert, restore) and the create_staff_user command."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from practices import history, services
from practices.models import CaseReport, City, Metric, Practice, PracticeEntry, RelatedPractice, Status

EDITOR, REVIEWER = "编辑", "审核"
GOOD_PASSWORD = "Zhi-chi-min-qi-2024!"


@pytest.fixture
def editor(staff_user):
    return staff_user(EDITOR)


@pytest.fixture
def reviewer(staff_user):
    return staff_user(REVIEWER)


# --------------------------------------------------------------------------- versioned saves


def test_curated_record_save_increments_version_and_records_the_user(catalogue, editor):
    practice = Practice.objects.get(number=11)
    practice.name = "改名"
    services.curated_record_save(instance=practice, user=editor, reason="测试")
    record = practice.history.latest()
    assert Practice.objects.get(number=11).version == 2
    assert (record.history_user, record.history_change_reason, record.version) == (editor, "测试", 2)


def test_curated_record_save_validates_first(catalogue, editor):
    practice = Practice.objects.get(number=11)
    practice.name = ""
    with pytest.raises(ValidationError):
        services.curated_record_save(instance=practice, user=editor)
    assert Practice.objects.get(number=11).version == 1


@pytest.mark.parametrize("expected", [0, 2, 5])
def test_curated_record_save_refuses_any_other_version(catalogue, editor, expected):
    practice = Practice.objects.get(number=12)
    practice.name = "不应保存"
    with pytest.raises(services.VersionConflict):
        services.curated_record_save(instance=practice, user=editor, expected_version=expected)
    assert Practice.objects.get(number=12).name != "不应保存"


def test_conflict_message_lists_changes_meanwhile(catalogue, editor):
    practice = Practice.objects.get(number=13)
    old_name = practice.name
    practice.name = "他人的修改"
    services.curated_record_save(instance=practice, user=editor)
    conflict = services.version_conflict(instance=practice, expected_version=1)
    assert conflict is not None and conflict.current_version == 2
    assert [(c.label, c.old, c.new) for c in conflict.changes] == [("名称", old_name, "他人的修改")]
    assert editor.username in conflict.message
    assert services.version_conflict(instance=practice, expected_version=2) is None


# --------------------------------------------------------------------------- publishing and verification


@pytest.mark.parametrize(
    ("function", "kwargs_name", "model"),
    [(services.practice_unpublish, "practice", Practice), (services.case_report_unpublish, "case_report", CaseReport)],
)
def test_unpublish_needs_the_reviewer_role(catalogue, editor, reviewer, function, kwargs_name, model):
    obj = model.objects.published().first()
    with pytest.raises(PermissionDenied):
        function(**{kwargs_name: obj, "user": editor})
    assert function(**{kwargs_name: obj, "user": reviewer}) is True
    obj.refresh_from_db()
    assert obj.status == Status.DRAFT and obj.published_at is None
    assert function(**{kwargs_name: obj, "user": reviewer}) is False  # already a draft: nothing to do


def test_only_reviewers_and_the_system_may_publish(db, editor, reviewer):
    for model in (Practice, CaseReport):
        assert not services.user_can_publish(user=editor, model=model)
        assert services.user_can_publish(user=reviewer, model=model)
        assert services.user_can_publish(user=None, model=model)  # the loader, management commands
    assert not services.user_can_publish(user=reviewer, model=City)  # nothing to publish


def test_record_status_apply_is_the_one_publication_rule(catalogue, editor, reviewer):
    """A new record counts as a draft; any status change needs the reviewer role and stamps published_at."""
    practice = Practice.objects.get(number=12)
    assert services.record_status_apply(instance=practice, user=editor) is False  # unchanged: anyone
    practice.status = Status.DRAFT
    with pytest.raises(PermissionDenied, match="你没有发布或撤回典型做法的权限"):
        services.record_status_apply(instance=practice, user=editor)
    assert services.record_status_apply(instance=practice, user=reviewer) is True
    assert practice.published_at is None
    new = Practice(number=99, name="新的做法", category=practice.category, status=Status.DRAFT)
    assert services.record_status_apply(instance=new, user=editor) is False  # editors create drafts
    new.status = Status.PUBLISHED
    with pytest.raises(PermissionDenied):
        services.record_status_apply(instance=new, user=editor)
    assert services.record_status_apply(instance=new, user=reviewer) is True
    assert new.published_at is not None


def test_unpublished_practice_leaves_public_reads(catalogue, reviewer):
    practice = Practice.objects.get(number=14)
    services.practice_unpublish(practice=practice, user=reviewer)
    assert not Practice.objects.published().filter(pk=practice.pk).exists()
    assert not Metric.objects.published().filter(entry__practice=practice).exists()


def test_metric_verify_sets_who_and_when(catalogue, reviewer):
    metrics = list(Metric.objects.order_by("pk")[:3])
    assert services.metric_verify(metrics=metrics, user=reviewer) == 3
    assert services.metric_verify(metrics=metrics, user=reviewer) == 0
    for metric in Metric.objects.filter(pk__in=[m.pk for m in metrics]):
        assert metric.verified and metric.verified_by == reviewer and metric.verified_at is not None
    assert services.metric_unverify(metrics=metrics[:1], user=reviewer) == 1


def test_metric_verify_refused_to_editors(catalogue, editor):
    with pytest.raises(PermissionDenied):
        services.metric_verify(metrics=Metric.objects.all()[:1], user=editor)


@pytest.mark.parametrize(("function", "value"), [(services.related_practice_confirm, True),
                                                 (services.related_practice_reject, False)])
def test_related_practice_decisions(catalogue, editor, function, value):
    links = list(RelatedPractice.objects.filter(confirmed__isnull=True)[:3])
    assert function(links=links, user=editor) == 3
    assert set(RelatedPractice.objects.filter(pk__in=[x.pk for x in links]).values_list("confirmed", flat=True)) == {
        value}


# --------------------------------------------------------------------------- metrics re-extraction


def test_reextract_after_a_text_edit_keeps_staff_work(catalogue, reviewer):
    entry = PracticeEntry.objects.filter(metrics__isnull=False).order_by("pk").first()
    verified = entry.metrics.order_by("position").first()
    services.metric_verify(metrics=[verified], user=reviewer)
    entry.text = entry.text + "新增惠及企业1234户。"
    services.curated_record_save(instance=entry, user=reviewer)
    report = services.metrics_reextract(owners=[entry], user=reviewer)
    assert report.totals().created == 1
    assert entry.metrics.filter(raw="1234户").count() == 1
    assert Metric.objects.get(pk=verified.pk).verified
    again = services.metrics_reextract(owners=[entry.practice], user=reviewer)
    assert again.totals().created == 0 and not again.deleted


def test_reextract_matches_the_loader(catalogue, reviewer):
    """The loader and the admin action share one sync: re-running on loaded data changes nothing."""
    report = services.metrics_reextract(owners=list(Practice.objects.all()) + list(CaseReport.objects.all()),
                                        user=reviewer)
    total = report.totals()
    assert (total.created, total.updated, len(report.deleted)) == (0, 0, 0)
    assert total.unchanged == Metric.objects.count()


# --------------------------------------------------------------------------- entries, revert, restore


def test_practice_entries_set_reorders_adds_and_needs_delete_permission(catalogue, editor, superuser_factory):
    practice = Practice.objects.get(number=1)
    entries = list(practice.entries.order_by("position"))
    chengdu = City.objects.get(name="成都市")
    wanted = [(entries[1].city, entries[1].text), (chengdu, "成都新增。"), (entries[0].city, "改过。")]
    with pytest.raises(ValidationError, match="删除需要删除权限"):
        services.practice_entries_set(practice=practice, entries=wanted, user=editor)
    services.practice_entries_set(practice=practice, entries=wanted, user=superuser_factory())
    result = [(e.city_id, e.text, e.position) for e in practice.entries.order_by("position")]
    assert result == [(entries[1].city_id, entries[1].text, 1), (chengdu.pk, "成都新增。", 2),
                      (entries[0].city_id, "改过。", 3)]
    assert PracticeEntry.objects.get(pk=entries[0].pk).line_start == entries[0].line_start  # provenance kept


@pytest.fixture
def superuser_factory(user_factory):
    return lambda: user_factory(username="root", is_superuser=True)


def test_revert_case_report_restores_many_to_many(catalogue, editor):
    report = CaseReport.objects.filter(cities__isnull=False).first()
    cities = set(report.cities.values_list("pk", flat=True))
    original_title = report.title
    report.byline = "第一次保存"
    services.curated_record_save(instance=report, user=editor)
    first = report.history.latest()
    assert first.status == Status.PUBLISHED  # the loader's direct publish was synced into the history
    report.title = "改过的标题"
    services.curated_record_save(instance=report, user=editor)
    report.cities.set([])
    history.record_revert(record=first, user=editor)
    report.refresh_from_db()
    assert report.title == original_title
    assert set(report.cities.values_list("pk", flat=True)) == cities


@pytest.mark.parametrize(("role", "status"), [(EDITOR, Status.DRAFT), (REVIEWER, Status.PUBLISHED)])
def test_a_restored_record_is_published_only_by_a_reviewer(catalogue, staff_user, superuser_factory, role, status):
    """Editors may restore (add permission) but not publish: the record comes back as a draft."""
    practice = Practice.objects.get(number=8)
    pk, entries, published_at = practice.pk, practice.entries.count(), practice.published_at
    practice._history_user = superuser_factory()
    practice.delete()
    restored = history.record_restore(model=Practice, object_id=pk, user=staff_user(role))
    restored.refresh_from_db()
    assert restored.status == status
    # A loaded record's published_at is its source's date (None when the source prints none, issue 14):
    # a reviewer's restore keeps it; an editor's draft has none.
    assert restored.published_at == (published_at if status == Status.PUBLISHED else None)
    assert restored.entries.count() == entries > 0  # the cascaded children come back too


def test_restore_needs_a_deletion(catalogue, superuser_factory):
    with pytest.raises(ValidationError, match="没有被删除"):
        history.record_restore(model=Practice, object_id=Practice.objects.first().pk, user=superuser_factory())


# --------------------------------------------------------------------------- create_staff_user


@pytest.mark.parametrize("group", [EDITOR, REVIEWER])
def test_create_staff_user(db, monkeypatch, capsys, group):
    monkeypatch.setenv("STAFF_PASSWORD", GOOD_PASSWORD)
    call_command("create_staff_user", "--username", "wang", "--group", group, "--email", "w@example.com")
    user = get_user_model().objects.get(username="wang")
    assert user.is_staff and not user.is_superuser and user.check_password(GOOD_PASSWORD)
    assert [g.name for g in user.groups.all()] == [group]
    assert "已创建工作人员 wang" in capsys.readouterr().out


def test_create_staff_user_reads_a_named_variable(db, monkeypatch):
    monkeypatch.setenv("MY_SECRET", GOOD_PASSWORD)
    call_command("create_staff_user", "--username", "li", "--group", EDITOR, "--password-env", "MY_SECRET")
    assert get_user_model().objects.get(username="li").check_password(GOOD_PASSWORD)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--username", "a", "--group", EDITOR], {}, "STAFF_PASSWORD"),
        (["--username", "a", "--group", EDITOR], {"STAFF_PASSWORD": "123"}, "未创建用户"),
        (["--username", "a", "--group", EDITOR, "--password-env", "NOPE"], {"STAFF_PASSWORD": GOOD_PASSWORD}, "NOPE"),
        (["--username", "a", "--group", "管理员"], {"STAFF_PASSWORD": GOOD_PASSWORD}, "管理员"),
    ],
)
def test_create_staff_user_failures_raise_command_error(db, monkeypatch, args, env, message):
    monkeypatch.delenv("STAFF_PASSWORD", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(CommandError, match=message):
        call_command("create_staff_user", *args)
    assert not get_user_model().objects.filter(username="a").exists()


def test_create_staff_user_refuses_an_existing_name(db, monkeypatch, user_factory):
    user_factory(username="zhang")
    monkeypatch.setenv("STAFF_PASSWORD", GOOD_PASSWORD)
    with pytest.raises(CommandError, match="已存在"):
        call_command("create_staff_user", "--username", "zhang", "--group", EDITOR)


def test_every_argument_has_help():
    from practices.management.commands.create_staff_user import Command

    parser = Command().create_parser("manage.py", "create_staff_user")
    own = [a for a in parser._actions if a.dest in {"username", "group", "email", "password_env"}]
    assert len(own) == 4 and all(action.help for action in own)


# --------------------------------------------------------------------------- simultaneous saves

# Two threads save the same practice from the same version, meeting inside their
# transactions after the first read: the moment a deferred SQLite transaction
# cannot upgrade to a write lock ("database is locked", the 503 page).
RACE = """
import json, threading
from django.db import OperationalError, connections
from practices import services
from practices.models import Practice

barrier = threading.Barrier(2, timeout=1.5)
original = services._record_drift

def drift_then_meet(model, pk):
    original(model, pk)
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        pass  # the other save waits for the write lock: it cannot meet this one

services._record_drift = drift_then_meet
expected = Practice.objects.get(number=11).version
outcomes = []

def save(name):
    practice = Practice.objects.get(number=11)
    practice.name = name
    try:
        services.curated_record_save(instance=practice, user=None, expected_version=expected)
        outcomes.append("saved")
    except services.VersionConflict:
        outcomes.append("conflict")
    except OperationalError as exc:
        outcomes.append("error: " + str(exc))
    finally:
        connections.close_all()

threads = [threading.Thread(target=save, args=(f"并发保存{i}",)) for i in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(sorted(outcomes)))
"""


def test_two_simultaneous_saves_give_one_save_and_one_conflict_not_a_lock_error(scratch_catalogue):
    """SQLite: BEGIN IMMEDIATE (settings transaction_mode) queues the second writer; PostgreSQL: the row lock."""
    import json

    from tests.scratch import manage

    outcomes = json.loads(manage(scratch_catalogue.url, "shell", "-c", RACE).strip().splitlines()[-1])
    assert outcomes == ["conflict", "saved"]
