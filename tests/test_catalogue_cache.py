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


def test_a_deferred_block_replaces_the_revision_once_at_its_end(catalogue):
    before = catalogue_revision()
    with catalogue_changes_deferred():
        for _ in range(3):
            catalogue_cache.catalogue_touched(using="default")
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


def test_the_table_of_aggregates_is_bounded(catalogue):
    from practices.catalogue_cache import aggregates_prune

    for n in range(30):
        catalogue_cached("bounded", {"q": n}, lambda n=n: {"n": n})
    assert CatalogueAggregate.objects.filter(name="bounded").count() == 30
    assert aggregates_prune(keep=20) == 10 + 20 // 5  # down to keep, with room to grow
    remaining = [row["n"] for row in CatalogueAggregate.objects.filter(name="bounded").values_list("value", flat=True)]
    assert sorted(remaining) == list(range(14, 30))
    # The newest survive: a pruned one is recomputed, not served wrong.
    assert catalogue_cached("bounded", {"q": 0}, lambda: {"n": "recomputed"}) == {"n": "recomputed"}


# --------------------------------------------------------------------------- writes that bypass Django


def raw(sql: str, params=()) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def test_every_counted_table_has_its_revision_trigger(catalogue):
    from practices.catalogue_cache import COUNTED_TABLES, revision_triggers_missing

    assert revision_triggers_missing() == []
    # Every table a cached aggregate reads is counted (the many-to-many tables of case reports too).
    for model in (Practice, PracticeEntry, Metric, CaseReport, Category, City):
        assert model._meta.db_table in COUNTED_TABLES
    assert CaseReport.cities.through._meta.db_table in COUNTED_TABLES


def test_a_raw_update_drops_the_public_count_at_once(client, catalogue):
    assert client.get("/api/practices/").json()["count"] == 72
    assert raw("UPDATE practices_practice SET status = 'draft' WHERE number IN (1, 2, 3)") == 3
    assert client.get("/api/practices/").json()["count"] == 69


@pytest.mark.parametrize("sql", [
    "UPDATE practices_category SET name = name || '（改）' WHERE number = 1",
    "DELETE FROM practices_metric WHERE id = (SELECT MIN(id) FROM practices_metric)",
    "DELETE FROM practices_casereport_cities WHERE id = (SELECT MIN(id) FROM practices_casereport_cities)",
    "UPDATE practices_city SET pinyin = 'x' WHERE name = '青岛市'",
    "UPDATE practices_sourcedocument SET title = title WHERE id = (SELECT MIN(id) FROM practices_sourcedocument)",
])
def test_every_raw_write_of_a_counted_table_replaces_the_revision(catalogue, sql):
    read = counted("raw")
    read()
    before = catalogue_revision()
    assert raw(sql) == 1
    assert catalogue_revision() != before
    assert not CatalogueAggregate.objects.filter(token=before).exists()  # the old figures are gone
    assert read()[1] == 2  # and recomputed


def test_a_raw_insert_replaces_the_revision(catalogue):
    before = catalogue_revision()
    inserted = raw(
        "INSERT INTO practices_casereport_categories (casereport_id, category_id) "
        "SELECT r.id, c.id FROM practices_casereport r, practices_category c "
        "WHERE NOT EXISTS (SELECT 1 FROM practices_casereport_categories l "
        "WHERE l.casereport_id = r.id AND l.category_id = c.id) ORDER BY r.id, c.id LIMIT 1"
    )
    assert inserted == 1
    assert catalogue_revision() != before


def test_a_bulk_update_replaces_the_revision_and_a_rollback_keeps_it(catalogue):
    before = catalogue_revision()
    with pytest.raises(RuntimeError), transaction.atomic():
        Practice.objects.filter(number__lte=10).update(status="draft")
        assert catalogue_revision() != before
        raise RuntimeError("rolled back")
    assert catalogue_revision() == before
    Practice.objects.filter(number__lte=10).update(status="draft")
    assert catalogue_revision() != before


def test_triggers_come_back_after_a_table_is_remade(catalogue):
    """A later migration that remakes a table on SQLite drops its triggers; the post-migrate hook restores them."""
    from django.db import connection

    from practices.catalogue_cache import revision_triggers_install, revision_triggers_missing

    if connection.vendor == "sqlite":
        raw("DROP TRIGGER catalogue_revision_practices_practice_update")
    else:
        raw("DROP TRIGGER catalogue_revision_bump ON practices_practice")
    assert revision_triggers_missing() == ["practices_practice"]
    assert revision_triggers_install() == ["practices_practice"]
    assert revision_triggers_missing() == []
    before = catalogue_revision()
    raw("UPDATE practices_practice SET name = name WHERE number = 1")
    assert catalogue_revision() != before


def test_a_store_sometimes_prunes_the_oldest_aggregates(db, monkeypatch):
    from practices import catalogue_cache

    pruned = []
    monkeypatch.setattr(catalogue_cache, "aggregates_prune", lambda **kwargs: pruned.append(kwargs))
    catalogue_cache.catalogue_cached("test-prune-never", {}, lambda: 1)
    assert pruned == []  # the suite's probability is 0 (tests/conftest.py)
    monkeypatch.setattr(catalogue_cache, "PRUNE_PROBABILITY", 1)
    catalogue_cache.catalogue_cached("test-prune-always", {}, lambda: 1)
    assert len(pruned) == 1
