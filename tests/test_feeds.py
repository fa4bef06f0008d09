"""Atom feeds of newly published practices and case reports."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def atom_entries(client, url) -> tuple[ET.Element, list[ET.Element]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root, root.findall(f"{ATOM}entry")


@pytest.mark.parametrize(
    ("url", "model_name"),
    [("/feeds/practices.atom", "Practice"), ("/feeds/case-reports.atom", "CaseReport")],
)
def test_feed_is_atom_with_every_published_record(client, catalogue, url, model_name):
    from practices import models

    root, entries = atom_entries(client, url)
    assert root.find(f"{ATOM}title").text
    assert root.find(f"{ATOM}updated").text
    published = getattr(models, model_name).objects.published().count()
    assert len(entries) == published > 0
    for entry in entries:
        for tag in ("title", "id", "updated", "published", "summary"):
            assert entry.find(f"{ATOM}{tag}") is not None and entry.find(f"{ATOM}{tag}").text, tag
        link = entry.find(f"{ATOM}link").get("href")
        assert link.startswith("http://testserver/")
        assert client.get(link).status_code == 200
    ids = [entry.find(f"{ATOM}id").text for entry in entries]
    assert len(set(ids)) == len(ids)


def test_practice_feed_is_newest_first_and_skips_drafts(client, catalogue):
    from practices.models import Practice

    now = timezone.now()
    Practice.objects.filter(number=40).update(published_at=now + timedelta(days=2))
    Practice.objects.filter(number=7).update(published_at=now + timedelta(days=1))
    Practice.objects.filter(number=5).update(status="draft", published_at=now + timedelta(days=3))

    _, entries = atom_entries(client, "/feeds/practices.atom")
    links = [entry.find(f"{ATOM}link").get("href") for entry in entries]
    assert links[:2] == ["http://testserver/practices/40/", "http://testserver/practices/7/"]
    assert "http://testserver/practices/5/" not in links
    assert len(entries) == 71
    published = [entry.find(f"{ATOM}published").text for entry in entries]
    assert published == sorted(published, reverse=True)


def test_practice_entry_describes_category_and_cities(client, catalogue):
    from practices.models import Practice

    Practice.objects.filter(number=1).update(published_at=timezone.now() + timedelta(days=1))
    _, entries = atom_entries(client, "/feeds/practices.atom")
    first = entries[0]
    assert first.find(f"{ATOM}title").text == "1. 推进企业开办智能化、极简化"
    summary = first.find(f"{ATOM}summary").text
    assert "完善对民营企业全生命周期的政策服务" in summary and "青岛市、江阴市、佛山市" in summary
    assert first.find(f"{ATOM}category").get("term") == "完善对民营企业全生命周期的政策服务"


def test_case_report_feed_skips_drafts(client, catalogue):
    from practices.models import CaseReport

    report = CaseReport.objects.order_by("pk").first()
    CaseReport.objects.filter(pk=report.pk).update(status="draft")
    _, entries = atom_entries(client, "/feeds/case-reports.atom")
    titles = [entry.find(f"{ATOM}title").text for entry in entries]
    assert report.title not in titles
    assert len(entries) == CaseReport.objects.published().count()


@pytest.mark.parametrize(("url", "limit"), [("/feeds/practices.atom", 3), ("/feeds/case-reports.atom", 4)])
def test_feed_queries_are_bounded(client, catalogue, django_assert_max_num_queries, url, limit):
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200
