"""The English detail pages in real Chromium: English units and dates, Chinese marked, layout fits.

Screenshots: test-artifacts/screenshots/english-*.png (1366 and 390 px).
"""
import pytest
from playwright.sync_api import expect


@pytest.mark.parametrize("width", [1366, 390])
def test_english_practice_page(live_catalogue, page, screenshot, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_catalogue.url}/en/practices/23/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1 span[lang='zh-Hans']")).to_have_text("建设数字金融服务平台")
    table = page.locator("table.metrics")
    expect(table).to_contain_text("as of July 2021")
    expect(table).to_contain_text("yuan")
    expect(table).not_to_contain_text("截至")
    expect(page.locator(".how-to-cite")).to_contain_text("/en/practices/23/")
    # Nothing wider than the window (the tables scroll inside their own box).
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(f"english-practice-{width}")


@pytest.mark.parametrize("width", [1366, 390])
def test_english_case_report_page(live_catalogue, page, screenshot, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_catalogue.url}/en/case-reports/000/1/")
    expect(page.locator("h1")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator(".body")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("article")).not_to_contain_text("000_8012fb836a8dc870.txt")
    expect(page.locator(".how-to-cite")).to_contain_text("/en/case-reports/000/1/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(f"english-case-report-{width}")


def test_about_page_checksums_open_on_request(live_catalogue, page, screenshot):
    page.goto(f"{live_catalogue.url}/about/")
    checksums = page.locator("details.checksums table")
    expect(checksums).to_be_hidden()
    page.locator("details.checksums summary").click()
    expect(checksums).to_be_visible()
    expect(page.locator("table.codebook").first).to_be_visible()
    screenshot("about-data-page")
