"""The publish rule on every path, tried as an editor (编辑), who may edit and restore but never publish.

Paths: the change form, the admin actions, restore of a deleted record,
revert to an earlier version, the import (preview and confirm), the API
(read-only) and the service functions a shell user would call.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from practices import history, services
from practices.models import CaseReport, Practice, Status

EDITOR, REVIEWER = "编辑", "审核"
SOURCE = "003_0afe494a00c202ac.txt"


@pytest.fixture
def editor(staff_user):
    return staff_user(EDITOR)


@pytest.fixture
def superuser(user_factory):
    return user_factory(username="root", is_superuser=True)


def _delete_as(client, user, obj) -> None:
    client.force_login(user)
    model = obj._meta.model_name
    response = client.post(reverse(f"admin:practices_{model}_delete", args=[obj.pk]), {"post": "yes"})
    assert response.status_code == 302
    client.logout()


# --------------------------------------------------------------------------- restore


def test_an_editor_restoring_a_deleted_published_practice_gets_a_draft(client, catalogue, editor, superuser):
    """The reported bug: a superuser deletes published #71, an editor restores it, and it was public again."""
    practice = Practice.objects.get(number=71)
    public_url = practice.get_absolute_url()
    _delete_as(client, superuser, practice)
    client.force_login(editor)
    response = client.post(reverse("admin:practices_practice_restore", args=[practice.pk]))
    assert response.status_code == 302
    restored = Practice.objects.get(number=71)
    assert restored.status == Status.DRAFT and restored.published_at is None
    assert restored.entries.count() > 0
    assert client.get(public_url).status_code == 404
    assert restored.history.latest().history_user == editor


def test_an_editor_restoring_a_deleted_case_report_gets_a_draft(client, catalogue, editor, superuser):
    report = CaseReport.objects.published().first()
    _delete_as(client, superuser, report)
    client.force_login(editor)
    assert client.post(reverse("admin:practices_casereport_restore", args=[report.pk])).status_code == 302
    assert CaseReport.objects.get(pk=report.pk).status == Status.DRAFT


def test_a_reviewer_restoring_gets_the_record_back_as_it_was(client, catalogue, staff_user, superuser):
    practice = Practice.objects.get(number=70)
    _delete_as(client, superuser, practice)
    client.force_login(staff_user(REVIEWER))
    client.post(reverse("admin:practices_practice_restore", args=[practice.pk]))
    assert Practice.objects.get(number=70).status == Status.PUBLISHED


def test_reverting_to_a_version_of_a_deleted_practice_restores_it_as_a_draft(client, catalogue, editor, superuser):
    practice = Practice.objects.get(number=69)
    record = practice.history.latest()
    _delete_as(client, superuser, practice)
    client.force_login(editor)
    client.post(reverse("admin:practices_practice_revert", args=[practice.pk, record.history_id]))
    assert Practice.objects.get(number=69).status == Status.DRAFT


# --------------------------------------------------------------------------- revert


def test_an_editor_cannot_republish_by_reverting_to_a_published_version(client, catalogue, editor):
    practice = Practice.objects.get(number=68)
    published = practice.history.latest()
    services.practice_unpublish(practice=practice, user=None)  # a reviewer withdrew it
    client.force_login(editor)
    response = client.post(
        reverse("admin:practices_practice_revert", args=[practice.pk, published.history_id]), follow=True
    )
    assert "需要审核角色" in response.content.decode()
    assert Practice.objects.get(number=68).status == Status.DRAFT


def test_record_revert_as_an_editor_refuses_a_status_change(catalogue, editor):
    report = CaseReport.objects.published().first()
    published = report.history.latest()
    services.case_report_unpublish(case_report=report, user=None)
    with pytest.raises(ValidationError, match="审核角色"):
        history.record_revert(record=published, user=editor)
    assert CaseReport.objects.get(pk=report.pk).status == Status.DRAFT


# --------------------------------------------------------------------------- form and actions


def test_the_change_form_ignores_a_status_posted_by_an_editor(client, catalogue, editor):
    practice = Practice.objects.get(number=67)
    services.practice_unpublish(practice=practice, user=None)
    client.force_login(editor)
    page = client.get(reverse("admin:practices_practice_change", args=[practice.pk]))
    assert 'name="status"' not in page.content.decode()  # read-only for editors
    form = page.context["adminform"].form
    data = {name: form.initial.get(name, "") for name in form.fields}
    data.update({"status": "published", "entries-TOTAL_FORMS": "0", "entries-INITIAL_FORMS": "0"})
    client.post(reverse("admin:practices_practice_change", args=[practice.pk]), data)
    assert Practice.objects.get(number=67).status == Status.DRAFT


@pytest.mark.parametrize("model", ["practice", "casereport"])
def test_an_editor_cannot_run_the_publish_action(client, catalogue, editor, model):
    obj = Practice.objects.get(number=66) if model == "practice" else CaseReport.objects.published().first()
    obj.status = Status.DRAFT
    obj.save()
    client.force_login(editor)
    client.post(reverse(f"admin:practices_{model}_changelist"), {"action": "publish", "_selected_action": [obj.pk]})
    obj.refresh_from_db()
    assert obj.status == Status.DRAFT


# --------------------------------------------------------------------------- import


def _import(client, model: str, content: str):
    return client.post(
        reverse(f"admin:practices_{model}_import"),
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("data.csv", content.encode("utf-8"))},
    )


def test_an_editor_cannot_publish_a_draft_by_import(client, catalogue, editor):
    practice = Practice.objects.get(number=65)
    services.practice_unpublish(practice=practice, user=None)
    entries = list(practice.entries.order_by("position").select_related("city"))
    cities = ";".join(e.city.name for e in entries)
    texts = "\n".join(f"【{e.city.name}】{e.text}" for e in entries).replace('"', '""')
    row = f'65,{practice.name},{practice.category.number},,published,{cities},"{texts}",{SOURCE}'
    client.force_login(editor)
    preview = _import(client, "practice", "number,name,category,category_name,status,cities,entries,source\n" + row)
    assert "审核角色" in preview.content.decode()
    assert "confirm_form" not in (preview.context or {}) or preview.context.get("confirm_form") is None
    assert Practice.objects.get(number=65).status == Status.DRAFT


def test_an_editor_cannot_bring_back_a_deleted_practice_published_by_import(client, catalogue, editor, superuser):
    practice = Practice.objects.get(number=64)
    entries = list(practice.entries.order_by("position").select_related("city"))
    cities = ";".join(e.city.name for e in entries)
    texts = "\n".join(f"【{e.city.name}】{e.text}" for e in entries).replace('"', '""')
    row = f'64,{practice.name},{practice.category.number},,published,{cities},"{texts}",{SOURCE}'
    _delete_as(client, superuser, practice)
    client.force_login(editor)
    preview = _import(client, "practice", "number,name,category,category_name,status,cities,entries,source\n" + row)
    assert "审核角色" in preview.content.decode()
    assert not Practice.objects.filter(number=64).exists()


# --------------------------------------------------------------------------- API and shell helpers


def test_the_api_does_not_write(client, catalogue, editor):
    client.force_login(editor)
    practice = Practice.objects.get(number=63)
    services.practice_unpublish(practice=practice, user=None)
    url = reverse("api:practice-list")
    assert client.post(url, {"number": 63, "status": "published"}).status_code in (403, 405)
    assert Practice.objects.get(number=63).status == Status.DRAFT


def test_the_service_functions_refuse_an_editor(catalogue, editor):
    practice = Practice.objects.get(number=62)
    report = CaseReport.objects.published().first()
    with pytest.raises(PermissionDenied):
        services.practice_unpublish(practice=practice, user=editor)
    with pytest.raises(PermissionDenied):
        services.case_report_unpublish(case_report=report, user=editor)
    services.practice_unpublish(practice=practice, user=None)
    with pytest.raises(PermissionDenied):
        services.practice_publish(practice=Practice.objects.get(number=62), user=editor)
    # A save that sneaks the status in is refused by the status check every staff save makes.
    draft = Practice.objects.get(number=62)
    draft.status = Status.PUBLISHED
    with pytest.raises(PermissionDenied):
        services.record_status_apply(instance=draft, user=editor)


def test_the_restore_service_as_an_editor_gives_a_draft(catalogue, editor):
    practice = Practice.objects.get(number=61)
    pk = practice.pk
    practice.delete()
    restored = history.record_restore(model=Practice, object_id=pk, user=editor)
    assert Practice.objects.get(pk=restored.pk).status == Status.DRAFT
