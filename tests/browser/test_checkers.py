"""The public pages pass the standard checkers: axe-core (WCAG 2.0/2.1 A and AA) and the Nu HTML checker.

Both checkers are pinned in tests/browser/package-lock.json and installed by
`make browser-deps` (npm ci); nothing is fetched at run time. axe runs inside
Chromium on the rendered page at desktop and phone widths, in both
languages; the Nu checker (Java) validates the HTML the server sent, all
pages in one run.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_MODULES = Path(__file__).resolve().parent / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

# Every kind of public page, with the states a reader meets (a search, an unknown filter, a 404).
PAGES = [
    "/",
    "/practices/",
    "/practices/?q=融资",
    "/practices/?city=nowhere",
    "/practices/23/",
    "/practices/23/compare/",
    "/metrics/",
    "/categories/",
    "/cities/",
    "/provinces/",
    "/case-reports/",
    "/case-reports/?q=商会",
    "/about/",
    "/api/docs/",
    "/no-such-page/",
]


def detail_pages() -> list[str]:
    """One category, city, province and case report page, by their current addresses."""
    from django.urls import reverse

    from practices.models import CaseReport, Category, City, Province

    report = CaseReport.objects.published().select_related("source").order_by("source__filename", "position").first()
    return [
        reverse("practices:category-detail", kwargs={"slug": Category.objects.order_by("number").first().slug}),
        reverse("practices:city-detail", kwargs={"slug": City.objects.order_by("name").first().slug}),
        reverse("practices:province-detail", kwargs={"slug": Province.objects.order_by("name").first().slug}),
        report.get_absolute_url(),
    ]


def require(path: Path) -> None:
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make browser-deps` (npm ci in tests/browser)")


def axe_violations(page, url: str | None) -> list[str]:
    """axe's violations on ``url`` (None: the page as it is now)."""
    if url is not None:
        page.goto(url)
    # Evaluated through the DevTools protocol, which the site's CSP (script-src 'self') does not govern.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']}"
        for violation in result["violations"]
        for node in violation["nodes"]
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("width", [1366, 390])
def test_axe_finds_no_violation(live_catalogue, browser, language, width):
    require(AXE)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    prefix = "/en" if language == "en" else ""
    page = context.new_page()
    try:
        found = {path: axe_violations(page, live_catalogue.url + prefix + path) for path in PAGES + detail_pages()}
    finally:
        context.close()
    assert {path: v for path, v in found.items() if v} == {}


def test_the_nu_html_checker_finds_no_error(live_catalogue, tmp_path):
    import urllib.parse
    import urllib.request

    require(VNU)
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is missing: run `make browser-deps` (default-jre-headless)")
    files = []
    for index, path in enumerate(PAGES + detail_pages()):
        request = urllib.request.Request(live_catalogue.url + urllib.parse.quote(path, safe="/?=&"))
        try:
            body = urllib.request.urlopen(request).read()
        except urllib.error.HTTPError as error:  # the 404 page is checked too
            body = error.read()
        target = tmp_path / f"page-{index:02d}.html"
        target.write_bytes(body)
        files.append((path, target))
    run = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", "--errors-only", *(str(f) for _, f in files)],
        capture_output=True, text=True, timeout=300,
    )
    by_file = {str(target): path for path, target in files}
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    errors = [
        f"{by_file.get(m.get('url', '').removeprefix('file:'), m.get('url'))}:{m.get('lastLine')}: {m['message']}"
        for m in messages if m.get("type") == "error"
    ]
    assert len(errors) == 0, "\n".join(errors)
