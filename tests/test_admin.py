"""The staff admin: pages, roles, actions, history with revert, and the refusal of lost updates."""
from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from practices.models import CaseReport, Category, City, Metric, Practice, PracticeEntry, RelatedPractice, Status

EDITOR, REVIEWER = "编辑", "审核"
MODELS = ["category", "province", "city", "sourcedocument", "practice", "practiceentry", "casereport",
          "relatedpractice", "metric"]


@pytest.fixture
def editor(staff_user):
    return staff_user(EDITOR)


@pytest.fixture
def reviewer(staff_user):
    return staff_user(REVIEWER)


@pytest.fixture
def superuser(user_factory):
    return user_factory(username="root", is_superuser=True)


def login(client, user):
    client.force_login(user)
    return client


def practice_form_data(practice: Practice, **changes) -> dict:
    """The POST data of the practice change form as the admin renders it (entries inline included)."""
    entries = list(practice.entries.order_by("position"))
    data = {
        "name": practice.name,
        "category": practice.category_id,
        "expected_version": practice.version,
        "entries-TOTAL_FORMS": len(entries),
        "entries-INITIAL_FORMS": len(entries),
        "entries-MIN_NUM_FORMS": 0,
        "entries-MAX_NUM_FORMS": 1000,
        "_save": "保存",
    }
    for index, entry in enumerate(entries):
        data |= {
            f"entries-{index}-id": entry.pk,
            f"entries-{index}-practice": practice.pk,
            f"entries-{index}-position": entry.position,
            f"entries-{index}-city": entry.city_id,
            f"entries-{index}-text": entry.text,
            f"entries-{index}-expected_version": entry.version,
        }
    return data | changes


def change_url(obj) -> str:
    return reverse(f"admin:practices_{obj._meta.model_name}_change", args=[obj.pk])


# --------------------------------------------------------------------------- roles


def test_roles_exist_with_the_documented_permissions(db):
    editors = set(Group.objects.get(name=EDITOR).permissions.values_list("codename", flat=True))
    reviewers = set(Group.objects.get(name=REVIEWER).permissions.values_list("codename", flat=True))
    assert {"add_practice", "change_practice", "import_practice", "export_practice", "change_metric"} <= editors
    assert not {c for c in editors if c.startswith("delete_")}
    assert not {c for c in editors if c.endswith("_user") or c.endswith("_group")}
    assert not editors & {"publish_practice", "publish_casereport", "verify_metric"}
    assert reviewers == editors | {"publish_practice", "publish_casereport", "verify_metric"}


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        (EDITOR, "practices.change_practice", True),
        (EDITOR, "practices.add_practiceentry", True),
        (EDITOR, "practices.import_practice", True),
        (EDITOR, "practices.delete_practice", False),
        (EDITOR, "practices.publish_practice", False),
        (EDITOR, "practices.verify_metric", False),
        (EDITOR, "auth.change_user", False),
        (EDITOR, "auth.change_group", False),
        (REVIEWER, "practices.publish_practice", True),
        (REVIEWER, "practices.publish_casereport", True),
        (REVIEWER, "practices.verify_metric", True),
        (REVIEWER, "practices.change_metric", True),
        (REVIEWER, "practices.delete_metric", False),
        (REVIEWER, "auth.add_user", False),
    ],
)
def test_role_permissions(staff_user, role, permission, allowed):
    assert staff_user(role).has_perm(permission) is allowed


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("role", [EDITOR, REVIEWER])
def test_every_changelist_and_change_page_renders_for_staff(client, catalogue, staff_user, role, model):
    login(client, staff_user(role))
    response = client.get(reverse(f"admin:practices_{model}_changelist"))
    assert response.status_code == 200
    from django.apps import apps

    obj = apps.get_model("practices", model).objects.first()
    response = client.get(reverse(f"admin:practices_{model}_change", args=[obj.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("accept_language", ["zh-CN,zh;q=0.9", "en-US,en;q=0.9", ""])
def test_admin_speaks_chinese_whatever_the_browser_asks(client, catalogue, editor, accept_language):
    login(client, editor)
    practice = Practice.objects.get(number=1)
    html = client.get(change_url(practice), HTTP_ACCEPT_LANGUAGE=accept_language).content.decode()
    assert 'lang="zh-hans"' in html
    assert "典型做法" in html and "出处" in html and "保存" in html and "Save" not in html


def test_admin_dates_are_in_beijing_time(client, catalogue, editor):
    from datetime import UTC, datetime

    practice = Practice.objects.get(number=1)
    Practice.objects.filter(pk=practice.pk).update(published_at=datetime(2024, 1, 1, 16, 30, tzinfo=UTC))
    login(client, editor)
    html = client.get(reverse("admin:practices_practice_changelist"), {"q": practice.name}).content.decode()
    assert "2024年1月2日 00:30" in html  # 16:30 UTC is 00:30 the next day in Asia/Shanghai


@pytest.mark.parametrize(
    ("model", "params", "expected"),
    [
        ("practice", {"status__exact": "published"}, 72),
        ("practice", {"category__id__exact": "1"}, None),
        ("practice", {"city": "qingdao"}, None),
        ("metric", {"verified__exact": "0"}, None),
        ("metric", {"unit": "户"}, None),
        ("casereport", {"status__exact": "draft"}, 0),
    ],
)
def test_changelist_filters(client, catalogue, editor, model, params, expected):
    login(client, editor)
    if model == "practice" and "category__id__exact" in params:
        expected = Practice.objects.filter(category_id=1).count()
    if model == "practice" and "city" in params:
        city = City.objects.get(name="青岛市")
        params = {"city": city.slug}
        expected = Practice.objects.in_city(city).count()
    if model == "metric" and "verified__exact" in params:
        expected = Metric.objects.filter(verified=False).count()
    if model == "metric" and "unit" in params:
        expected = Metric.objects.filter(normalized_unit="户").count()
    response = client.get(reverse(f"admin:practices_{model}_changelist"), params)
    assert response.status_code == 200
    assert response.context["cl"].result_count == expected


def test_provenance_and_view_on_site_are_shown(client, catalogue, editor):
    login(client, editor)
    practice = Practice.objects.get(number=1)
    html = client.get(change_url(practice)).content.decode()
    assert f"第 {practice.line_start}–{practice.line_end} 行" in html
    assert practice.source.filename in html
    assert practice.raw_text[:10] in html
    assert reverse("admin:view_on_site", args=[*_ct_and_pk(practice)]) in html


def _ct_and_pk(obj):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk, obj.pk


# --------------------------------------------------------------------------- actions


def run_action(client, model, action, objects):
    return client.post(reverse(f"admin:practices_{model}_changelist"),
                       {"action": action, "_selected_action": [o.pk for o in objects]}, follow=True)


@pytest.mark.parametrize(("role", "published"), [(REVIEWER, False), (EDITOR, True)])
def test_unpublish_needs_the_reviewer_role(client, catalogue, staff_user, role, published):
    login(client, staff_user(role))
    practice = Practice.objects.get(number=3)
    response = run_action(client, "practice", "unpublish", [practice])
    assert response.status_code == 200
    practice.refresh_from_db()
    assert (practice.status == Status.PUBLISHED) is published


def test_editor_does_not_even_see_publish_actions(client, catalogue, editor):
    login(client, editor)
    actions = client.get(reverse("admin:practices_practice_changelist")).context["action_form"].fields["action"]
    names = {name for name, _ in actions.choices}
    assert "reextract_metrics" in names
    assert not names & {"publish", "unpublish", "delete_selected"}


def test_draft_disappears_from_the_public_page_and_comes_back(client, catalogue, reviewer):
    practice = Practice.objects.get(number=5)
    public = practice.get_absolute_url()
    assert client.get(public).status_code == 200
    login(client, reviewer)
    run_action(client, "practice", "unpublish", [practice])
    client.logout()
    assert client.get(public).status_code == 404
    login(client, reviewer)
    run_action(client, "practice", "publish", [practice])
    client.logout()
    assert client.get(public).status_code == 200
    practice.refresh_from_db()
    assert practice.published_at is not None and practice.version == 3


def test_case_report_publish_actions(client, catalogue, reviewer):
    login(client, reviewer)
    report = CaseReport.objects.first()
    run_action(client, "casereport", "unpublish", [report])
    report.refresh_from_db()
    assert report.status == Status.DRAFT and report.published_at is None


@pytest.mark.parametrize(("role", "verified"), [(REVIEWER, True), (EDITOR, False)])
def test_verify_metrics_action(client, catalogue, staff_user, role, verified):
    user = staff_user(role)
    login(client, user)
    metrics = list(Metric.objects.filter(entry__practice__number=1)[:2])
    run_action(client, "metric", "verify", metrics)
    for metric in metrics:
        metric.refresh_from_db()
        assert metric.verified is verified
        assert (metric.verified_by == user) is verified
        assert (metric.verified_at is not None) is verified


def test_reextract_keeps_verified_and_edited_metrics(client, catalogue, reviewer):
    login(client, reviewer)
    from django.db.models import Count

    entry = PracticeEntry.objects.annotate(n=Count("metrics")).filter(n__gte=3).order_by("pk").first()
    verified, edited, plain = list(entry.metrics.order_by("position")[:3])
    run_action(client, "metric", "verify", [verified])
    Metric.objects.filter(pk=edited.pk).update(label="人工改过的指标")
    Metric.objects.filter(pk=plain.pk).delete()
    before = entry.metrics.count()
    response = run_action(client, "practiceentry", "reextract_metrics", [entry])
    assert "已重新抽取指标" in response.content.decode()
    assert entry.metrics.count() == before + 1  # the deleted, unprotected one came back, nothing duplicated
    assert Metric.objects.get(pk=edited.pk).label == "人工改过的指标"
    assert Metric.objects.get(pk=verified.pk).verified
    assert entry.metrics.filter(raw=plain.raw, offset=plain.offset).count() == 1


@pytest.mark.parametrize(("action", "confirmed"), [("confirm_related", True), ("reject_related", False)])
def test_confirm_or_reject_suggested_related_practices(client, catalogue, editor, action, confirmed):
    login(client, editor)
    links = list(RelatedPractice.objects.filter(confirmed__isnull=True)[:2])
    run_action(client, "relatedpractice", action, links)
    assert {RelatedPractice.objects.get(pk=link.pk).confirmed for link in links} == {confirmed}


# --------------------------------------------------------------------------- editing, history, revert


def test_editor_edits_a_practice_and_history_records_who_and_what(client, catalogue, editor):
    login(client, editor)
    practice = Practice.objects.get(number=2)
    old_name = practice.name
    response = client.post(change_url(practice), practice_form_data(practice, name="新的名称"))
    assert response.status_code == 302, response.content.decode()[:2000]
    practice.refresh_from_db()
    assert practice.name == "新的名称" and practice.version == 2
    record = practice.history.latest()
    assert record.history_user == editor and record.version == 2
    history_page = client.get(reverse("admin:practices_practice_history", args=[practice.pk])).content.decode()
    assert old_name in history_page and "新的名称" in history_page and editor.username in history_page


def test_editor_cannot_change_status_in_the_form(client, catalogue, editor):
    login(client, editor)
    practice = Practice.objects.get(number=2)
    client.post(change_url(practice), practice_form_data(practice, status="draft"))
    practice.refresh_from_db()
    assert practice.status == Status.PUBLISHED


def test_entry_text_edited_inline_is_versioned(client, catalogue, editor):
    login(client, editor)
    practice = Practice.objects.get(number=4)
    data = practice_form_data(practice, **{"entries-0-text": "改过的城市做法。"})
    assert client.post(change_url(practice), data).status_code == 302
    entry = practice.entries.get(position=1)
    assert entry.text == "改过的城市做法。" and entry.version == 2
    assert entry.history.latest().history_user == editor


def test_one_click_revert_restores_the_original(client, catalogue, editor):
    login(client, editor)
    practice = Practice.objects.get(number=6)
    original = practice.name
    client.post(change_url(practice), practice_form_data(practice, name="临时名称"))
    before_edit = practice.history.filter(version=1).latest()
    response = client.post(reverse("admin:practices_practice_revert", args=[practice.pk, before_edit.history_id]))
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.name == original and practice.status == Status.PUBLISHED
    assert practice.version == 3  # the revert is a new version, itself revertible
    assert practice.history.latest().history_change_reason.startswith("恢复到")


def test_history_page_has_a_revert_button_per_version(client, catalogue, editor):
    login(client, editor)
    practice = Practice.objects.get(number=6)
    client.post(change_url(practice), practice_form_data(practice, name="临时名称"))
    html = client.get(reverse("admin:practices_practice_history", args=[practice.pk])).content.decode()
    for record in practice.history.all()[1:]:
        assert reverse("admin:practices_practice_revert", args=[practice.pk, record.history_id]) in html
    assert html.count("恢复到此版本") == practice.history.count() - 1


def test_loaded_practices_are_published_in_their_first_history_record(catalogue):
    assert Practice.objects.get(number=6).history.earliest().status == Status.PUBLISHED


def test_editor_cannot_unpublish_by_reverting_to_a_draft_version(client, catalogue, editor):
    practice = Practice.objects.get(number=6)
    practice.status = Status.DRAFT  # a reviewer once unpublished it, then published it again
    practice.save()
    practice.status = Status.PUBLISHED
    practice.save()
    draft = practice.history.filter(status=Status.DRAFT).latest()
    login(client, editor)
    client.post(change_url(practice), practice_form_data(Practice.objects.get(pk=practice.pk), name="临时名称"))
    response = client.post(reverse("admin:practices_practice_revert", args=[practice.pk, draft.history_id]),
                           follow=True)
    assert "需要审核角色" in response.content.decode()
    practice.refresh_from_db()
    assert practice.status == Status.PUBLISHED and practice.name == "临时名称"


def test_revert_is_refused_to_users_without_change_permission(client, catalogue, user_factory):
    client.force_login(user_factory(username="nobody"))
    practice = Practice.objects.get(number=6)
    record = practice.history.earliest()
    response = client.post(reverse("admin:practices_practice_revert", args=[practice.pk, record.history_id]))
    assert response.status_code == 403


def test_deleted_practice_is_recoverable_with_its_entries(client, catalogue, superuser):
    login(client, superuser)
    practice = Practice.objects.get(number=7)
    entries = set(practice.entries.values_list("pk", "text"))
    metrics = Metric.objects.filter(entry__practice=practice).count()
    response = client.post(reverse("admin:practices_practice_delete", args=[practice.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Practice.objects.filter(number=7).exists()
    deleted_page = client.get(reverse("admin:practices_practice_deleted")).content.decode()
    assert practice.name in deleted_page
    response = client.post(reverse("admin:practices_practice_restore", args=[practice.pk]))
    assert response.status_code == 302
    restored = Practice.objects.get(number=7)
    assert set(restored.entries.values_list("pk", "text")) == entries
    assert Metric.objects.filter(entry__practice=restored).count() == metrics


# --------------------------------------------------------------------------- no lost updates


def test_second_save_of_a_stale_form_is_refused_with_what_changed(client, catalogue, editor, reviewer):
    practice = Practice.objects.get(number=8)
    form_of_a = practice_form_data(practice, name="甲的名称")
    form_of_b = practice_form_data(practice, name="乙的名称")
    login(client, editor)
    assert client.post(change_url(practice), form_of_a).status_code == 302
    login(client, reviewer)
    response = client.post(change_url(practice), form_of_b)
    assert response.status_code == 200  # the form again, with the refusal
    message = " ".join(response.context["adminform"].form.non_field_errors())
    assert "保存被拒绝" in message and "甲的名称" in message and editor.username in message
    practice.refresh_from_db()
    assert practice.name == "甲的名称" and practice.version == 2


def test_stale_inline_entry_is_refused(client, catalogue, editor):
    practice = Practice.objects.get(number=9)
    stale = practice_form_data(practice, **{"entries-0-text": "乙改的内容。"})
    entry = practice.entries.get(position=1)
    entry.text = "甲改的内容。"
    from practices import services

    services.curated_record_save(instance=entry, user=editor)
    login(client, editor)
    response = client.post(change_url(practice), stale)
    assert response.status_code == 200
    assert "保存被拒绝" in response.content.decode()
    assert PracticeEntry.objects.get(pk=entry.pk).text == "甲改的内容。"


def test_conditional_update_refuses_a_save_that_races_past_the_form(catalogue, editor):
    from practices import services

    first = Practice.objects.get(number=10)
    second = Practice.objects.get(number=10)
    first.name = "先保存"
    services.curated_record_save(instance=first, user=editor)
    second.name = "后保存"
    with pytest.raises(services.VersionConflict) as refused:
        services.curated_record_save(instance=second, user=editor)
    assert "先保存" in refused.value.message
    assert Practice.objects.get(number=10).name == "先保存"


def test_metric_figures_corrected_in_the_list_are_versioned(client, catalogue, editor):
    login(client, editor)
    url = reverse("admin:practices_metric_changelist")
    page = client.get(url, {"entry__practice__id__exact": Practice.objects.get(number=1).pk})
    formset = page.context["cl"].formset
    assert 'name="form-0-expected_version"' in page.content.decode()
    data = {k: v for k, v in _formset_post(formset).items()}
    data["form-0-label"] = "改过的指标名"
    data["_save"] = "保存"
    response = client.post(url + f"?entry__practice__id__exact={Practice.objects.get(number=1).pk}", data)
    assert response.status_code == 302
    metric = Metric.objects.get(pk=formset.forms[0].instance.pk)
    assert metric.label == "改过的指标名" and metric.version == 2


def _formset_post(formset) -> dict:
    data = {f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()}
    for form in formset.forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if name == "id":
                value = form.instance.pk
            data[f"{form.prefix}-{name}"] = "" if value is None else value
    return data


def test_category_edit_uses_the_same_locking(client, catalogue, editor):
    login(client, editor)
    category = Category.objects.get(number=1)
    stale = {"number": 1, "name": "甲", "slug": category.slug, "expected_version": category.version}
    assert client.post(change_url(category), stale).status_code == 302
    stale["name"] = "乙"
    response = client.post(change_url(category), stale)
    assert response.status_code == 200 and "保存被拒绝" in response.content.decode()
    assert Category.objects.get(number=1).name == "甲"


def test_editor_adds_a_practice_as_a_draft(client, catalogue, editor):
    from practices.models import SourceDocument

    login(client, editor)
    source = SourceDocument.objects.get(filename="003_0afe494a00c202ac.txt")
    city = City.objects.get(name="青岛市")
    data = {
        "number": 80, "name": "新增的做法", "category": Category.objects.get(number=1).pk, "source": source.pk,
        "expected_version": "",
        "entries-TOTAL_FORMS": 1, "entries-INITIAL_FORMS": 0, "entries-MIN_NUM_FORMS": 0,
        "entries-MAX_NUM_FORMS": 1000,
        "entries-0-position": 1, "entries-0-city": city.pk, "entries-0-text": "青岛的新做法。",
        "entries-0-expected_version": "",
        "_save": "保存",
    }
    response = client.post(reverse("admin:practices_practice_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    practice = Practice.objects.get(number=80)
    assert (practice.status, practice.version, practice.published_at) == (Status.DRAFT, 1, None)
    assert [(e.city, e.text, e.version) for e in practice.entries.all()] == [(city, "青岛的新做法。", 1)]
    assert practice.history.get().history_user == editor
    assert client.get(practice.get_absolute_url()).status_code == 404


def test_superuser_can_delete_but_editor_cannot(client, catalogue, editor, superuser):
    practice = Practice.objects.get(number=15)
    login(client, editor)
    assert client.post(reverse("admin:practices_practice_delete", args=[practice.pk]),
                       {"post": "yes"}).status_code == 403
    login(client, superuser)
    assert client.post(reverse("admin:practices_practice_delete", args=[practice.pk]),
                       {"post": "yes"}).status_code == 302
    assert practice.history.filter(history_type="-").get().history_user == superuser


@pytest.mark.parametrize("term", ["融资", "无还本续贷", "15", "青岛"])
def test_practice_admin_search_uses_the_search_index_number_and_city(client, catalogue, editor, term):
    from practices.search import practice_matching

    expected = set(practice_matching(Practice.objects.all(), q=term).values_list("number", flat=True))
    if term.isdigit():
        expected.add(int(term))
    expected |= set(Practice.objects.filter(entries__city__name__startswith=term).values_list("number", flat=True))
    assert expected, "the term must find something for the comparison to mean anything"
    login(client, editor)
    response = client.get(reverse("admin:practices_practice_changelist"), {"q": term, "all": ""})
    assert response.status_code == 200
    assert {p.number for p in response.context["cl"].result_list} == expected
    assert response.context["cl"].result_count == len(expected)


# --------------------------------------------------------------------------- revert with confirmation, layout, CSP


def _edit_name_and_first_entry(client, practice: Practice, name: str, text: str) -> None:
    response = client.post(change_url(practice), practice_form_data(practice, name=name, **{"entries-0-text": text}))
    assert response.status_code == 302, response.content.decode()[:2000]


def test_revert_shows_a_confirmation_page_with_the_diff_first(client, catalogue, editor):
    login(client, editor)
    practice = Practice.objects.get(number=8)
    original_name, original_text = practice.name, practice.entries.get(position=1).text
    _edit_name_and_first_entry(client, practice, "临时名称", "临时改写的城市做法。")
    first = practice.history.filter(version=1).latest()
    url = reverse("admin:practices_practice_revert", args=[practice.pk, first.history_id])

    history_page = client.get(reverse("admin:practices_practice_history", args=[practice.pk])).content.decode()
    assert f'href="{url}"' in history_page  # a link to the confirmation, not a one-click form
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "确认恢复到此版本" in html and "临时名称" in html and original_name in html
    text = re.sub(r"<[^>]+>", "", html)  # long texts are shown as a marked character diff
    assert "城市做法：" in text and "临时改写的城市做法" in text
    assert Practice.objects.get(pk=practice.pk).name == "临时名称"  # nothing reverted yet

    assert client.post(url).status_code == 302
    assert Practice.objects.get(pk=practice.pk).name == original_name
    assert practice.entries.get(position=1).text == original_text


def test_reverting_a_practice_reverts_its_entries(client, catalogue, editor):
    login(client, editor)
    practice = Practice.objects.get(number=9)
    before = list(practice.entries.order_by("position").values_list("city_id", "text"))
    _edit_name_and_first_entry(client, practice, "第一次修改", "第一次改写。")
    practice.refresh_from_db()
    _edit_name_and_first_entry(client, practice, "第二次修改", "第二次改写。")
    first_edit = practice.history.filter(version=2).latest()

    client.post(reverse("admin:practices_practice_revert", args=[practice.pk, first_edit.history_id]))
    assert practice.entries.get(position=1).text == "第一次改写。"

    original = practice.history.filter(version=1).latest()
    client.post(reverse("admin:practices_practice_revert", args=[practice.pk, original.history_id]))
    assert list(practice.entries.order_by("position").values_list("city_id", "text")) == before
    assert Practice.objects.get(pk=practice.pk).name != "第二次修改"


def test_the_export_form_is_in_chinese(client, catalogue, editor):
    login(client, editor)
    html = client.get(reverse("admin:practices_practice_export")).content.decode()
    assert "全选" in html and "类别名称（category_name）" in html and "名称（name）" in html
    assert "Select all" not in html and "Category Name" not in html


INLINE_STYLE_OR_SCRIPT = r'\sstyle="|\son[a-z]+="'


def test_admin_pages_have_no_inline_style_or_script_for_the_csp_to_block(client, catalogue, editor):
    import re

    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, editor)
    practice = Practice.objects.get(number=10)
    _edit_name_and_first_entry(client, practice, "为差异改名", "为差异改写。")
    record = practice.history.filter(version=1).latest()
    from tests.test_admin_import import HEADER, practice_row

    export = client.get(reverse("admin:practices_practice_export"))
    changed = f"{HEADER}\n{practice_row(10, name='为差异再改名')}\n".encode()
    preview = client.post(reverse("admin:practices_practice_import"),
                          {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("p.csv", changed)})
    assert "import-preview" in preview.content.decode()
    pages = {
        "practice changelist": client.get(reverse("admin:practices_practice_changelist")),
        "metric changelist": client.get(reverse("admin:practices_metric_changelist")),
        "practice change page": client.get(change_url(practice)),
        "history": client.get(reverse("admin:practices_practice_history", args=[practice.pk])),
        "revert confirmation": client.get(reverse("admin:practices_practice_revert",
                                                  args=[practice.pk, record.history_id])),
        "export form": export,
        "import preview": preview,
    }
    for name, response in pages.items():
        html = response.content.decode()
        assert response.status_code == 200, name
        found = re.findall(rf".{{60}}(?:{INLINE_STYLE_OR_SCRIPT}).{{40}}", html)
        assert not found, f"{name}: {found[:3]}"
        assert "practices/admin.css" in html, name


def test_changelist_column_widths_come_from_the_admin_css():
    from django.conf import settings

    css = (settings.BASE_DIR / "practices" / "static" / "practices" / "admin.css").read_text(encoding="utf-8")
    assert re.search(r"\.field-name[^{]*\{[^}]*min-width: 12em", css.replace("\n", " "))
    assert re.search(r"\.field-number[^{]*\{[^}]*white-space: nowrap", css.replace("\n", " "))
    assert re.search(r"#changelist \.results \{[^}]*overflow-x: auto", css)


def test_staff_curate_a_sources_description_and_a_reload_keeps_it(client, catalogue, staff_user):
    from django.core.management import call_command

    from practices.models import SourceDocument

    client.force_login(staff_user("审核"))
    source = SourceDocument.objects.get(filename="000_8012fb836a8dc870.txt")
    url = f"/admin/practices/sourcedocument/{source.pk}/change/"
    form = {"title": "工商联服务民营企业（山西、浙江、厦门、陕西）", "publisher": "中华工商时报", "date": "2021-08-02",
            "date_note": "", "issue": "第 3 版", "url": "", "expected_version": source.version}
    assert client.post(url, form).status_code == 302
    source.refresh_from_db()
    assert (source.publisher, str(source.date), source.version) == ("中华工商时报", "2021-08-02", form["expected_version"] + 1)
    # A stale form (the version it was opened at) is refused and changes nothing.
    assert client.post(url, {**form, "publisher": "别人"}).status_code in (200, 302)
    source.refresh_from_db()
    assert source.publisher == "中华工商时报"
    call_command("load_catalogue", verbosity=0)
    source.refresh_from_db()
    assert source.publisher == "中华工商时报" and source.issue == "第 3 版"


def test_a_categorys_english_name_is_curated_in_the_admin(client, catalogue, staff_user):
    from practices.models import Category

    client.force_login(staff_user("审核"))
    category = Category.objects.get(number=2)
    html = client.get(f"/admin/practices/category/{category.pk}/change/").content.decode()
    assert 'name="name_en"' in html
