"""Staff curation in real Chromium: log in, edit a practice, see it public, revert it through history."""
from __future__ import annotations

import importlib
import re

import pytest
from playwright.sync_api import expect

PASSWORD = "correct-horse-battery-staple"
# Transactional: the server's writes must commit (on SQLite the server shares the test's connection,
# and an open test transaction locks the tables it writes). Its flush at the end is why the browser
# tests run last and this one after the others (pytest-django orders transactional tests after).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="session")
def editor_account(catalogue_site, django_db_blocker):
    """A staff member in the 编辑 role, committed so that the live server sees it on PostgreSQL too.

    The roles come from migration 0002; they are re-created if a flush removed them.
    """
    from django.apps import apps
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    with django_db_blocker.unblock():
        if not Group.objects.filter(name="编辑", permissions__isnull=False).exists():
            importlib.import_module("practices.migrations.0002_staff_roles").create_roles(apps, None)
        user = UserFactory(username="bianji", password=PASSWORD)
        user.groups.add(Group.objects.get(name="编辑"))
    return user


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base_url}/admin/")


def test_staff_edits_a_practice_sees_it_public_then_reverts_it(page, screenshot, live_catalogue, editor_account):
    from practices.models import Practice

    base = live_catalogue.url
    practice = Practice.objects.get(number=12)
    original = practice.name
    edited = original + "（编辑修订）"

    log_in(page, base, editor_account.username)
    page.goto(f"{base}/admin/practices/practice/{practice.pk}/change/")
    assert page.locator("#id_name").input_value() == original
    page.fill("#id_name", edited)
    screenshot("admin-practice-edit")
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r".*/admin/practices/practice/(\?.*)?$"))
    assert "修改成功" in page.locator(".messagelist").inner_text() or "成功" in page.content()

    page.goto(f"{base}/practices/{practice.number}/")
    assert edited in page.content()
    screenshot("public-practice-edited")

    page.goto(f"{base}/admin/practices/practice/{practice.pk}/history/")
    rows = page.locator("tr.history-record")
    screenshot("admin-practice-history")
    # Newest first: the edit (who, what: old → new), then the state as loaded.
    latest = rows.nth(0).inner_text()
    assert edited in latest and original in latest and editor_account.username in latest
    assert rows.nth(0).locator(".revert-button").count() == 0  # the current version
    rows.nth(1).locator(".revert-button").click()
    # A confirmation page shows what would change before anything is written.
    expect(page.get_by_role("button", name="确认恢复到此版本")).to_be_visible()
    assert edited in page.content() and original in page.content()
    screenshot("admin-practice-revert-confirm")
    page.get_by_role("button", name="确认恢复到此版本").click()
    page.wait_for_url(re.compile(rf".*/admin/practices/practice/{practice.pk}/change/$"))
    assert "恢复到" in page.locator(".messagelist").inner_text()
    assert page.locator("#id_name").input_value() == original

    page.goto(f"{base}/practices/{practice.number}/")
    assert original in page.content() and edited not in page.content()
    screenshot("public-practice-reverted")
    practice.refresh_from_db()
    assert practice.name == original and practice.version == 3
