"""The admin's main screens in real Chromium, at a laptop's width (1366 px) and a phone's (390 px).

Each screen is saved to test-artifacts/screenshots/admin-screen-<name>-<width>.png and checked:
its heading is there, the page never scrolls sideways (a wide table scrolls inside its own box),
and the browser reports no Content-Security-Policy violation (the admin's styles live in
practices/static/practices/admin.css, none inline). The admin speaks Chinese only: it is outside
the /en/ URLs (catalogue/urls.py), so there is no English variant to shoot.
"""
from __future__ import annotations

import pytest

PASSWORD = "correct-horse-battery-staple"
WIDTHS = (1366, 390)
# Transactional: the live server must see the account and the edit below on PostgreSQL too
# (see tests/browser/test_admin.py); pytest-django flushes the tables afterwards.
pytestmark = pytest.mark.django_db(transaction=True)

# What the screenshots capture as a whole: the page must not be wider than the window.
OVERFLOW = """() => ({page: document.documentElement.scrollWidth, window: window.innerWidth,
    content: (document.querySelector('#content') || document.body).scrollWidth})"""


@pytest.fixture
def curated(live_catalogue):
    """A superuser, and practice 12 edited once (its history then has a version to revert to)."""
    from django.core.management import call_command

    from practices.models import CaseReport, Practice
    from practices.services import curated_record_save
    from tests.factories import UserFactory

    if Practice.objects.count() != 72:  # another transactional browser test ran first and emptied the tables
        call_command("createcachetable", verbosity=0)
        call_command("loaddata", "catalogue.json", verbosity=0)
        call_command("rebuild_search_index", verbosity=0)
    admin = UserFactory(username="screens", password=PASSWORD, is_staff=True, is_superuser=True)
    practice = Practice.objects.get(number=12)
    practice.name += "（截图修订）"
    curated_record_save(instance=practice, user=admin, reason="截图")
    older = practice.history.order_by("history_date", "history_id").first()
    return {"practice": practice, "older": older, "report": CaseReport.objects.order_by("pk").first()}


def screens(curated) -> list[tuple[str, str, str]]:
    """(name, address, expected heading) of each screen."""
    practice, report = curated["practice"], curated["report"]
    base = "/admin/practices"
    return [
        ("index", "/admin/", "内容管理"),
        ("practice-changelist", f"{base}/practice/", "选择 典型做法 来修改"),
        ("practice-change", f"{base}/practice/{practice.pk}/change/", "修改 典型做法"),
        ("metric-changelist", f"{base}/metric/", "选择 指标 来修改"),
        ("casereport-change", f"{base}/casereport/{report.pk}/change/", "修改 案例报道"),
        ("import-form", f"{base}/practice/import/", "导入"),
        ("export-form", f"{base}/practice/export/", "导出"),
        ("history", f"{base}/practice/{practice.pk}/history/", "变更历史"),
        ("revert-confirm", f"{base}/practice/{practice.pk}/history/{curated['older'].history_id}/revert/",
         "确认恢复到此版本"),
    ]


def log_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.fill("#id_username", "screens")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base_url}/admin/")


def check_screen(page, screenshot, name: str, width: int, heading: str, violations: list[str]) -> None:
    assert heading in page.locator("#content h1").first.inner_text(), name
    sizes = page.evaluate(OVERFLOW)
    assert sizes["page"] <= sizes["window"], f"{name} at {width} px scrolls sideways: {sizes}"
    assert sizes["content"] <= sizes["window"], f"{name} at {width} px: the content is wider than the window"
    assert not violations, f"{name} at {width} px: {violations}"
    screenshot(f"admin-screen-{name}-{width}")


def test_admin_screens_fit_the_window_and_keep_to_the_csp(browser, live_catalogue, curated, tmp_path):
    # One test for both widths: a transactional test empties the tables after it (the catalogue is loaded once).
    for width in WIDTHS:
        shoot_screens(browser, live_catalogue, curated, width, tmp_path)


def shoot_screens(browser, live_catalogue, curated, width: int, tmp_path) -> None:
    from tests.browser.conftest import ARTIFACTS

    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)

    def screenshot(name: str):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    try:
        log_in(page, live_catalogue.url)
        for name, address, heading in screens(curated):
            response = page.goto(live_catalogue.url + address)
            assert response is not None and response.ok, f"{name}: {response and response.status}"
            check_screen(page, screenshot, name, width, heading, violations)

        # The changelist's names wrap at a readable width instead of two characters a line.
        page.goto(f"{live_catalogue.url}/admin/practices/practice/")
        name_width = page.locator("#result_list td.field-name").first.bounding_box()["width"]
        assert name_width >= 120, f"the name column is {name_width:.0f} px wide"

        # The import preview: every row's change, the confirm button, nothing written yet.
        practice = curated["practice"]
        upload = tmp_path / f"preview-{width}.csv"
        upload.write_text(
            "number,name,category,category_name,status,cities,entries,source\n"
            f"{practice.number},截图导入改名,{practice.category.number},,{practice.status},"
            f"{';'.join(e.city.name for e in practice.entries.order_by('position'))},"
            '"' + "\n".join(f"【{e.city.name}】{e.text}" for e in practice.entries.order_by("position")) + '",'
            f"{practice.source.filename}\n"
            f"9001,截图新增做法,1,,draft,青岛市,【青岛市】一段很长的做法文字，用来查看预览表格在窄屏上的换行。,"
            f"{practice.source.filename}\n", encoding="utf-8")
        page.goto(f"{live_catalogue.url}/admin/practices/practice/import/")
        page.set_input_files("#id_import_file", str(upload))
        if page.locator("#id_format").count():
            page.locator("#id_format").select_option("0")  # CSV (practices.resources.FORMATS)
        page.locator("#content input[type=submit]").first.click()
        page.wait_for_load_state()
        assert page.locator("table.import-preview tbody tr").count() == 2
        assert page.locator("input[type=submit][value='确认导入'], button:has-text('确认导入')").count() == 1
        check_screen(page, screenshot, "import-preview", width, "导入", violations)
    finally:
        context.close()
