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
            # Database access in a transaction that is rolled back, unless a test needs the
            # transactional kind (pytest-django flushes every table after those). See ``catalogue_site``.
            if item.get_closest_marker("django_db") is None:
                item.add_marker(pytest.mark.django_db)


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


@pytest.fixture(scope="session")
def catalogue_site(django_db_setup, django_db_blocker):
    """One live server for all browser tests, over the catalogue ``django_db_setup`` committed.

    Not pytest-django's ``live_server``: any test using that is made transactional, which flushes
    every table after each test, so each one had to ``loaddata`` the catalogue again (about 5 s).
    Each browser test runs in a transaction that is rolled back. On SQLite (in memory) the server
    shares that connection, so what a test does through the browser is rolled back too; on
    PostgreSQL the server commits, so a test that writes restores what it changed. A test whose
    server writes must be transactional (tests/browser/test_admin.py): pytest-django runs it after
    the others, and the browser tests run last of all (tests/conftest.py), since its flush empties
    the database. Whatever a test needs the server to see is committed by a session fixture.
    """
    from django.core.management import call_command
    from django.test.utils import modify_settings
    from pytest_django.live_server_helper import LiveServer

    from practices.models import Practice

    with django_db_blocker.unblock():
        if Practice.objects.count() != 72:  # e.g. run after a transactional test flushed it
            call_command("createcachetable", verbosity=0)
            call_command("loaddata", "catalogue.json", verbosity=0)
            # loaddata bypasses the per-save search updates (the fixture holds no search words).
            call_command("rebuild_search_index", verbosity=0)
        server = LiveServer("localhost", start=False)
        with modify_settings(ALLOWED_HOSTS={"append": "localhost"}):
            server.start()
            try:
                yield server
            finally:
                server.stop()


@pytest.fixture
def live_catalogue(catalogue_site):
    """The shared live server over the loaded catalogue."""
    return catalogue_site
