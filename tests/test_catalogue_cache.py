"""The cached catalogue aggregates: every change of what they count makes them unreachable."""
from __future__ import annotations

import pytest
from django.db import transaction

from practices import catalogue_cache
from practices.catalogue_cache import (
    catalogue_cached,
    catalogue_changed,
    catalogue_changes_deferred,
    catalogue_revision,
)
from practices.models import CaseReport, CatalogueAggregate, Category, City, Metric, Practice, PracticeEntry

pytestmark = pytest.mark.django_db


def counted(name="test"):
    """A cached aggregate whose computation is counted: returns (value, computations so far)."""
    calls = []

    def compute():
        calls.append(1)
        return {"practices": Practice.objects.published().count()}

    return lambda: (catalogue_cached(name, {"k": 1}, compute), len(calls))


def test_a_cached_aggregate_is_computed_once_per_revision(catalogue):
    read = counted()
    assert read() == ({"practices": 72}, 1)
    assert read() == ({"practices": 72}, 1)  # from the table, not recomputed
    assert CatalogueAggregate.objects.filter(token=catalogue_revision(), name="test").count() == 1
    catalogue_changed()
    assert read() == ({"practices": 72}, 2)
    # The old revision's rows are gone: nothing unreachable piles up.
    assert CatalogueAggregate.objects.exclude(token=catalogue_revision()).count() == 0


def test_a_cache_hit_is_one_query(catalogue, django_assert_num_queries):
    read = counted()
    read()
    with django_assert_num_queries(1):
        assert read()[0] == {"practices": 72}


def _unpublish_practice():
    practice = Practice.objects.get(number=1)
    practice.status = "draft"
    practice.save()


def _delete_entry():
    PracticeEntry.objects.filter(practice__number=2).first().delete()


def _rename_city():
    city = City.objects.get(name="青岛市")
    city.pinyin = "Qingdao!"
    city.save()


def _rename_category():
    category = Category.objects.get(number=1)
    category.name += "（改）"
    category.save()


def _unlink_report_city():
    report = CaseReport.objects.filter(cities__isnull=False).first()
    report.cities.remove(report.cities.first())


def _edit_metric():
    metric = Metric.objects.first()
    metric.label = "改"
    metric.save()


@pytest.mark.parametrize("change", [_unpublish_practice, _delete_entry, _rename_city, _rename_category,
                                    _unlink_report_city, _edit_metric])
def test_every_kind_of_change_replaces_the_revision(catalogue, change):
    before = catalogue_revision()
    change()
    assert catalogue_revision() != before


def test_a_deferred_block_replaces_the_revision_once_at_its_end(catalogue, django_assert_max_num_queries):
    before = catalogue_revision()
    with catalogue_changes_deferred():
        for practice in Practice.objects.filter(number__lte=5):
            practice.name += "。"
            practice.save()
            assert catalogue_revision() == before  # not yet
    assert catalogue_revision() != before


def test_a_failed_deferred_block_leaves_the_revision(catalogue):
    before = catalogue_revision()
    with pytest.raises(RuntimeError), transaction.atomic(), catalogue_changes_deferred():
        practice = Practice.objects.get(number=1)
        practice.name += "。"
        practice.save()
        raise RuntimeError("rolled back")
    assert catalogue_revision() == before


def test_the_revision_row_is_recreated_after_a_flush(catalogue):
    from practices.models import CatalogueRevision

    old = catalogue_revision()
    CatalogueRevision.objects.all().delete()  # as `flush` or a restore would
    new = catalogue_revision()
    assert new != old and len(new) == 32


def test_an_unwritable_cache_still_serves_the_computed_value(catalogue, monkeypatch):
    from django.db import DatabaseError
    from django.db.models.query import QuerySet

    original = QuerySet.bulk_create

    def refuse(self, objs, *args, **kwargs):
        if self.model is catalogue_cache.CatalogueAggregate:
            raise DatabaseError("attempt to write a readonly database")
        return original(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", refuse)
    read = counted("readonly")
    assert read() == ({"practices": 72}, 1)
    assert read() == ({"practices": 72}, 2)  # nothing was stored, so computed again


def test_the_pages_follow_a_staff_edit_at_once(client, catalogue):
    before = client.get("/practices/").content.decode()
    assert "共 72 项" in before
    _unpublish_practice()
    after = client.get("/practices/").content.decode()
    assert "共 71 项" in after
