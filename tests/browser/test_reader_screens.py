"""What a reader sees, in real Chromium (issue 14): search with context, an honest unknown filter,
the 404 page, the map, the list on a phone. Each test saves its screenshots under
test-artifacts/screenshots/reader-*.png and checks what the screenshot shows.
"""
import pytest
from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize(("prefix", "width"), [("", 1366), ("/en", 390)], ids=["zh-1366", "en-390"])
def test_search_hits_show_a_highlighted_excerpt(live_catalogue, page, screenshot, prefix, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_catalogue.url}{prefix}/practices/?q=融资")
    hits = page.locator("ol.practice-list > li")
    assert hits.count() >= 10
    # Every hit on the page says why it matched: the word marked in its title or in an excerpt of
    # the paragraph that holds it (a title-only match has no excerpt to show).
    for index in range(hits.count()):
        expect(hits.nth(index).locator("mark").first).to_have_text("融资")
    assert page.locator("ol.practice-list > li .excerpt mark").count() >= hits.count() - 3
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(f"reader-search{prefix.replace('/', '-')}-{width}")


def test_an_unknown_filter_says_so_and_shows_nothing_else(live_catalogue, page, screenshot):
    page.goto(f"{live_catalogue.url}/practices/?city=nowhere&category=rongzi-nanti")
    notice = page.locator(".notices .error")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("nowhere")
    expect(page.locator("ol.practice-list > li")).to_have_count(0)
    expect(page.locator(".pagination")).to_have_count(0)
    expect(page.locator(".downloads")).to_have_count(0)
    screenshot("reader-unknown-filter")
    # The way out drops only the bad value and keeps the good one.
    page.get_by_role("link", name="去掉无效的条件，查看结果").click()
    expect(page.locator(".description")).to_have_text("类别为“破解民营企业融资难题”的典型做法，共 20 项")


@pytest.mark.parametrize(("prefix", "heading", "width"), [("", "找不到这个页面", 1366), ("/en", "Page not found", 390)],
                         ids=["zh-1366", "en-390"])
def test_the_404_page_is_a_page_of_the_site(live_catalogue, page, screenshot, prefix, heading, width):
    page.set_viewport_size({"width": width, "height": 800})
    response = page.goto(f"{live_catalogue.url}{prefix}/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("navigation").first).to_be_visible()
    expect(page.get_by_role("searchbox").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(f"reader-404{prefix.replace('/', '-')}-{width}")


@pytest.mark.parametrize("width", [1366, 390])
def test_the_map_links_every_counted_province(live_catalogue, page, screenshot, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_catalogue.url}/")
    provinces = page.locator("#home-map .map-provinces a path.map-province")
    assert provinces.count() >= 8
    assert page.locator("#home-map .map-cities circle.map-city").count() >= 8
    box = page.locator("#home-map svg").bounding_box()
    assert box["width"] > 300 and box["x"] + box["width"] <= width
    page.locator("#home-map").screenshot(path=str(_artifact(f"reader-map-{width}")))
    # Each shape is a link to its province's page, with a tooltip that gives the counts.
    title = provinces.first.locator("title").text_content()
    assert "典型做法" in title and "案例报道" in title
    href = page.locator("#home-map .map-provinces a").first.get_attribute("href")
    page.goto(f"{live_catalogue.url}{href}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_the_list_on_a_phone_puts_results_first(live_catalogue, page, screenshot):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_catalogue.url}/practices/")
    first = page.locator("ol.practice-list > li").first
    # The facets wait behind a 筛选 disclosure, so the first result is on the first screen.
    assert first.bounding_box()["y"] < PHONE["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot("reader-list-390")
    page.locator("summary", has_text="筛选").first.click()
    expect(page.locator("#m-facet-category").locator("xpath=..").get_by_role("link").first).to_be_visible()
    screenshot("reader-list-390-facets-open")


def _artifact(name):
    from tests.browser.conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def test_discovery_a_reader_and_a_crawler_find(live_catalogue, page, screenshot):
    outside = []
    page.on("request", lambda request: outside.append(request.url) if "localhost" not in request.url else None)
    page.goto(f"{live_catalogue.url}/")
    assert page.locator('meta[name="description"]').get_attribute("content")
    assert page.locator('meta[property="og:title"]').count() == 1
    assert page.locator('link[rel="alternate"][type="application/atom+xml"]').count() == 2
    assert page.locator('link[rel="alternate"][hreflang="en"]').count() == 1
    for path, heading in (("/categories/", "类别"), ("/cities/", "城市"), ("/provinces/", "省份")):
        page.goto(f"{live_catalogue.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        assert page.locator("main a").count() >= 7
    screenshot("reader-provinces-index")
    sitemap = page.goto(f"{live_catalogue.url}/sitemap.xml")
    assert sitemap.status == 200 and "<sitemapindex" in sitemap.text() and "/sitemap-practices.xml" in sitemap.text()
    practices = page.goto(f"{live_catalogue.url}/sitemap-practices.xml")
    assert practices.status == 200 and "<urlset" in practices.text() and "/en/practices/23/" in practices.text()
    robots = page.goto(f"{live_catalogue.url}/robots.txt")
    assert "Sitemap:" in robots.text()
    favicon = page.goto(f"{live_catalogue.url}/favicon.ico")
    assert favicon.status == 200 and favicon.headers["content-type"].startswith("image/")
    # The API documentation is rendered on the server from the OpenAPI schema: no script, no CDN.
    page.goto(f"{live_catalogue.url}/api/docs/")
    expect(page.get_by_role("heading", level=3, name="GET /api/practices/", exact=True)).to_be_visible()
    screenshot("reader-api-docs")
    assert outside == []


def test_downloads_are_named_by_their_filter(live_catalogue, page):
    page.goto(f"{live_catalogue.url}/practices/?category=rongzi-nanti&city=taizhou-zhejiang")
    with page.expect_download() as info:
        page.locator(".downloads").get_by_role("link", name="XLSX").first.click()
    name = info.value.suggested_filename
    assert name.startswith("practices-") and "taizhou-zhejiang" in name and name.endswith(".xlsx")
    with page.expect_download() as info:
        page.locator(".downloads").get_by_role("link", name="CSV").nth(1).click()
    header = open(info.value.path(), encoding="utf-8-sig").readline()
    assert "名称" in header or "类别" in header  # ?headers=zh: Chinese column headers


def test_the_home_matrix_says_what_it_counts(live_catalogue, page, screenshot):
    page.goto(f"{live_catalogue.url}/")
    matrix = page.locator("table.matrix")
    totals = matrix.locator("tfoot td")
    assert totals.count() >= 9  # 8 cities and the overall total
    assert totals.last.inner_text().strip() == "72"
    expect(page.locator("#matrix-note")).to_contain_text("合计")
    box = matrix.bounding_box()
    assert box["x"] + box["width"] <= 1366
    matrix.screenshot(path=str(_artifact("reader-home-matrix")))
