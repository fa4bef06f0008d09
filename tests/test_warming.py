"""practices.warming: after a write the busiest pages' figures are computed before a visitor asks."""
from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practices import warming
from practices.models import Practice

pytestmark = pytest.mark.django_db

# The pages whose first request after a write computed seconds of figures at 100k (docs/performance.md).
WARMED_PAGES = ["/", "/practices/", "/metrics/", "/case-reports/", "/cities/", "/provinces/", "/api/docs/",
                "/en/api/docs/", "/about/", "/en/about/"]


def figures_computed(client, url: str) -> int:
    """How many cached figures the request computed and stored (practices.catalogue_cache)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum("INSERT" in q["sql"] and "practices_catalogueaggregate" in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("url", WARMED_PAGES)
def test_after_a_warm_the_first_visitor_computes_nothing(client, catalogue, url):
    Practice.objects.filter(number=15).update(status="draft")  # a write: every stored figure is retired
    assert figures_computed(client, url) >= 1
    Practice.objects.filter(number=15).update(status="published")  # retired again
    timings = warming.catalogue_warm()
    assert {name for name, _ in timings} >= {"totals", "place counts", "practices list", "API reference (en)"}
    assert figures_computed(client, url) == 0


def test_the_command_warms_and_reports(catalogue, capsys):
    call_command("warm_catalogue", verbosity=2)
    out = capsys.readouterr().out
    assert "totals:" in out and "Warmed" in out


@pytest.fixture
def warm_runs(monkeypatch, settings):
    """Each background warm, as an event; writes schedule one after 0.05 s of quiet."""
    settings.CATALOGUE_WARM_AFTER_WRITE = True
    runs: list[threading.Event] = []
    done = threading.Event()
    monkeypatch.setattr(warming, "WARM_DELAY", 0.05)
    monkeypatch.setattr(warming, "catalogue_warm", lambda: runs.append(1) or done.set())
    original = warming.catalogue_warm_soon
    monkeypatch.setattr(warming, "catalogue_warm_soon", lambda delay=0.05: original(delay=delay))
    return runs, done


def test_a_burst_of_staff_saves_warms_once_after_commit(catalogue, warm_runs, django_capture_on_commit_callbacks):
    runs, done = warm_runs
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for practice in Practice.objects.order_by("number")[:5]:
            practice.name = practice.name + "。"
            practice.save()
        assert runs == []  # nothing before the commit
    assert len(callbacks) >= 5
    assert done.wait(5)
    assert runs == [1]


def test_no_warm_when_switched_off(catalogue, warm_runs, settings, django_capture_on_commit_callbacks):
    runs, done = warm_runs
    settings.CATALOGUE_WARM_AFTER_WRITE = False
    with django_capture_on_commit_callbacks(execute=True):
        practice = Practice.objects.first()
        practice.save()
    assert not done.wait(0.3) and runs == []
