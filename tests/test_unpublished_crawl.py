"""No unpublished data on any public surface: withdraw a practice and a case report, then crawl everything public.

The crawl starts at the home page, the sitemap, the API root, every list's
export in every format, the feeds and the release zip, and follows every
same-site link (HTML href, JSON URLs, API ``next`` pages). Each response is
searched for the withdrawn practice's number, name and text and the withdrawn
report's title and body: as text in pages and feeds, and cell by cell (the
columns that hold a practice number) in CSV, XLSX, JSON and the zip's members.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import deque
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.urls import reverse

from practices import services
from practices.lists import PUBLIC_LISTS
from practices.models import CaseReport, Practice, RelatedPractice, Status

pytestmark = pytest.mark.django_db

HREF = re.compile(r"""(?:href|src)=["']([^"'#]+)""")
# Columns and keys that hold a practice number.
NUMBER_KEYS = {"number", "practice", "practice_number", "related_practices"}
SKIP_PREFIXES = ("/admin/", "/static/", "/i18n/", "/api/docs/", "/api/schema/")
FORMATS = ("csv", "xlsx", "json")


@pytest.fixture
def withdrawn(catalogue):
    """The practice that published case reports link to most, and a report with metrics, withdrawn to draft."""
    links = RelatedPractice.objects.filter(case_report__status=Status.PUBLISHED).exclude(confirmed=False)
    numbers = list(links.values_list("practice__number", flat=True))
    practice = Practice.objects.get(number=max(set(numbers), key=numbers.count))
    report = (
        CaseReport.objects.published()
        .filter(metrics__isnull=False)
        .exclude(practice_links__practice=practice)
        .distinct()
        .first()
    )
    services.practice_unpublish(practice=practice, user=None)
    services.case_report_unpublish(case_report=report, user=None)
    entry = practice.entries.order_by("position").first()
    body = report.body.strip()
    return {
        "number": practice.number,
        "texts": [practice.name, entry.text[:40], report.title, body[:40]],
        "detail_urls": [
            reverse("practices:practice-detail", args=[practice.number]),
            reverse("practices:practice-compare", args=[practice.number]),
            reverse("practices:case-report-detail", args=[report.source.slug, report.position]),
            reverse("api:practice-detail", args=[practice.number]),
        ],
    }


def _number_cells(rows, number: int) -> list[str]:
    """(column, value) of every cell in a number column that names ``number``."""
    found = []
    for row in rows:
        for key, value in row.items():
            if key not in NUMBER_KEYS or value in (None, ""):
                continue
            parts = value if isinstance(value, list) else re.split(r"[;；,、\s]+", str(value))
            if any(str(part).strip("[]") == str(number) for part in parts):
                found.append(f"{key}={value}")
    return found


def _json_rows(data) -> list[dict]:
    """Every object inside ``data`` (nested API responses, fixtures' ``fields``)."""
    rows, stack = [], [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            rows.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return rows


def _fixture_rows(data) -> list[dict]:
    rows = []
    for obj in data:
        fields = dict(obj.get("fields", {}))
        if obj.get("model") != "practices.practice":
            fields.pop("number", None)  # a category's or another model's own number
        rows.append(fields)
    return rows


def _file_rows(name: str, data: bytes) -> tuple[str, list[dict]]:
    """(searchable text, rows) of an export or release member."""
    if name.endswith(".csv"):
        text = data.decode("utf-8-sig")
        return text, list(csv.DictReader(io.StringIO(text)))
    if name.endswith(".xlsx"):
        sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        values = [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
        rows = [dict(zip(values[0], row, strict=False)) for row in values[1:]] if values else []
        return "\n".join("\t".join(row) for row in values), rows
    if name.endswith(".json"):
        parsed = json.loads(data)
        text = json.dumps(parsed, ensure_ascii=False)
        if name.endswith("catalogue.json"):
            return text, _fixture_rows(parsed)
        return text, _json_rows(parsed)
    return data.decode("utf-8", errors="replace"), []


def _leaks(where: str, text: str, rows: list[dict], withdrawn: dict) -> list[str]:
    number = withdrawn["number"]
    found = [f"{where}: {snippet!r}" for snippet in withdrawn["texts"] if snippet and snippet in text]
    if re.search(rf"/practices/{number}/", text):
        found.append(f"{where}: a link to /practices/{number}/")
    found += [f"{where}: {cell}" for cell in _number_cells(rows, number)]
    return found


def _seeds() -> list[str]:
    seeds = [
        "/",
        "/sitemap.xml",
        "/robots.txt",
        "/api/",
        reverse("open_data:practice-feed"),
        reverse("open_data:case-report-feed"),
        reverse("open_data:release"),
    ]
    for entry in PUBLIC_LISTS.values():
        seeds += [reverse(entry.page_url_name), reverse(entry.api_url_name)]
        seeds += [reverse(entry.export_url_name, kwargs={"fmt": fmt}) for fmt in FORMATS]
    return seeds


def _should_follow(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.netloc not in ("", "testserver") or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(SKIP_PREFIXES):
        return None
    # Pages and API lists by page number; other query strings are filters over the same published rows.
    query = parts.query if re.fullmatch(r"(page=\d+)?", parts.query) else ""
    return parts.path + (f"?{query}" if query else "")


def test_no_public_url_shows_a_withdrawn_practice_or_case_report(client, withdrawn):
    for url in withdrawn["detail_urls"]:
        assert client.get(url).status_code == 404, url

    queue, seen, leaks, visited = deque(_seeds()), set(), [], 0
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code in (200, 301, 302, 404), (url, response.status_code)
        if response.status_code in (301, 302):
            target = _should_follow(response["Location"])
            if target:
                queue.append(target)
            continue
        if response.status_code != 200:
            continue
        visited += 1
        body = b"".join(response.streaming_content) if response.streaming else response.content
        content_type = response.get("Content-Type", "")
        path = urlsplit(url).path
        if path.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                for name in archive.namelist():
                    text, rows = _file_rows(name, archive.read(name))
                    leaks += _leaks(f"{url}!{name}", text, rows, withdrawn)
            continue
        if path.endswith((".csv", ".xlsx", ".json")):
            text, rows = _file_rows(path, body)
            leaks += _leaks(url, text, rows, withdrawn)
            continue
        if "json" in content_type:
            parsed = json.loads(body)
            text = json.dumps(parsed, ensure_ascii=False)
            leaks += _leaks(url, text, _json_rows(parsed), withdrawn)
            links = re.findall(r'"(https?://testserver/[^"]*|/api/[^"]*)"', text)
        else:
            text = body.decode("utf-8", errors="replace")
            leaks += _leaks(url, text, [], withdrawn)
            links = HREF.findall(text) + re.findall(r"<loc>([^<]+)</loc>", text)
        for link in links:
            target = _should_follow(link.replace("&amp;", "&"))
            if target and target not in seen:
                queue.append(target)

    assert visited > 200, f"the crawl reached only {visited} pages"
    assert not leaks, "\n".join(leaks[:30])
