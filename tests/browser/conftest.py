"""Real-browser tests: Debian's chromium driven by Playwright against live_server.

Playwright never downloads a browser here: we launch /usr/bin/chromium.
The screenshots are test artifacts under test-artifacts/screenshots/.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM
    # refuses to run there unless told it is safe. Only the browser tests do this.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Call ``screenshot("name")`` to save test-artifacts/screenshots/name.png; returns the path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def live_catalogue(transactional_db, live_server):
    """live_server with the real catalogue loaded from the committed fixture.

    live_server tests are transactional: tables are flushed after each test,
    so each test loads the fixture itself (pytest-django runs these last).
    """
    from django.core.management import call_command

    from practices.models import Practice

    if not Practice.objects.exists():
        call_command("createcachetable", verbosity=0)
        call_command("loaddata", "catalogue.json", verbosity=0)
        # loaddata bypasses the per-save search updates (the fixture holds no search words).
        call_command("rebuild_search_index", verbosity=0)
    return live_server
