"""The public site in real Chromium: facets, search, a practice, CSV download, language, chart.

Each test saves a screenshot under test-artifacts/screenshots/public-*.png.
"""
import csv
import io
import re

from playwright.sync_api import expect


def test_filter_by_category_then_city_by_clicking_facets(live_catalogue, page, screenshot):
    page.goto(f"{live_catalogue.url}/practices/")
    expect(page.locator(".description")).to_have_text("全部典型做法，共 72 项")

    page.locator("#facet-category + ul").get_by_role("link", name="破解民营企业融资难题").click()
    expect(page.locator(".description")).to_have_text("类别为“破解民营企业融资难题”的典型做法，共 20 项")
    page.locator("#facet-city + ul").get_by_role("link", name="台州市", exact=True).click()

    expect(page.locator(".description")).to_have_text("类别为“破解民营企业融资难题”、城市为台州市的典型做法，共 9 项")
    assert re.search(r"category=rongzi-nanti&city=taizhou-zhejiang$", page.url)
    expect(page.locator("ol.practice-list > li")).to_have_count(9)
    screenshot("public-list-facets")

    # The selected city is a toggle: clicking it again removes it and keeps the category.
    page.locator("#facet-city + ul li.selected a").click()
    expect(page.locator(".description")).to_have_text("类别为“破解民营企业融资难题”的典型做法，共 20 项")


def test_search_from_the_home_page_and_open_a_practice(live_catalogue, page, screenshot):
    page.goto(live_catalogue.url)
    page.get_by_label("搜索典型做法").fill("无还本续贷")
    page.get_by_label("搜索典型做法").press("Enter")

    expect(page.locator(".description")).to_contain_text("包含“无还本续贷”的典型做法")
    first = page.locator("ol.practice-list > li").first.get_by_role("link").first
    expect(first).to_have_text("推行无还本续贷")
    screenshot("public-search")

    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("14. 推行无还本续贷")
    expect(page.locator("section.entry")).to_have_count(3)
    expect(page.get_by_role("table")).to_be_visible()
    screenshot("public-practice")


def test_download_the_filtered_list_as_csv(live_catalogue, page):
    page.goto(f"{live_catalogue.url}/practices/?category=rongzi-nanti&city=taizhou-zhejiang")
    with page.expect_download() as info:
        page.locator(".downloads").get_by_role("link", name="CSV").first.click()
    download = info.value
    text = open(download.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 9
    assert {row["category_name"] for row in rows} == {"破解民营企业融资难题"}
    assert all("台州市" in row["cities"] for row in rows)


def test_switch_language_to_english_and_back(live_catalogue, page, screenshot):
    page.goto(f"{live_catalogue.url}/cities/taizhou-zhejiang/")
    expect(page.get_by_role("heading", level=1)).to_have_text("台州市")

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Taizhou")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="About the data")).to_be_visible()
    assert page.url.endswith("/en/cities/taizhou-zhejiang/")
    screenshot("public-city-english")

    page.get_by_role("link", name="简体中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("台州市")


def test_comparison_chart(live_catalogue, page, screenshot):
    page.goto(f"{live_catalogue.url}/practices/15/")
    page.get_by_role("link", name="对比各城市的指标（图表）").click()

    # One chart per measure shared by at least two cities (issue 13): never unlike things on one axis.
    chart = page.get_by_role("img", name=re.compile("开展政策性转贷：各城市的贷款金额（元）"))
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(3)
    widths = [float(w) for w in chart.locator("rect").evaluate_all("rects => rects.map(r => r.getBBox().width)")]
    assert max(widths) == widths[-1] and min(widths) < max(widths) / 2
    expect(page.locator(".comparison-chart").first.get_by_role("table")).to_contain_text("129,767,000,000 元")
    screenshot("public-compare-chart")

    expect(page.get_by_role("img", name=re.compile("办理时长（天）")).locator("rect")).to_have_count(2)


def test_keyboard_skip_link_and_visible_focus(live_catalogue, page):
    page.goto(f"{live_catalogue.url}/practices/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到正文")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0  # moved on screen when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_mobile_layout_has_no_sideways_scroll(live_catalogue, page, screenshot):
    page.set_viewport_size({"width": 375, "height": 800})
    for path in ("/", "/practices/?q=融资", "/practices/15/", "/metrics/"):
        page.goto(f"{live_catalogue.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
    screenshot("public-mobile-metrics")


def test_practice_prints_without_navigation(live_catalogue, page, screenshot):
    page.goto(f"{live_catalogue.url}/practices/15/")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".prev-next")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".citation")).to_be_visible()
    screenshot("public-practice-print")
