"""Shared fixtures: the real catalogue loaded once per test session, and factories.

The catalogue is loaded into the test database once (session scope); each test
runs in a transaction that is rolled back, so tests may change or delete data
freely. Browser tests (transactional) reload what they need themselves.
"""
from __future__ import annotations

import os
import sys

# Django is imported inside fixtures only: the parser tests run without it
# (pytest -p no:django) to prove the parsers never need it.
import pytest
from hypothesis import HealthCheck, settings

# Property tests: "dev" (the default) is a quick local loop; `make test` and CI select "ci"
# (HYPOTHESIS_PROFILE=ci), which runs over 10,000 parser cases (tests/importer/test_fuzz.py) and
# over 10,000 query-parameter cases across the two database passes (tests/test_param_fuzz.py).
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]
settings.register_profile("ci", max_examples=2000, deadline=None, suppress_health_check=_QUIET)
settings.register_profile("dev", max_examples=100, deadline=None, suppress_health_check=_QUIET)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests run last, after pytest-django's ordering, and the transactional ones last of those.

    They share one live server over the catalogue that ``django_db_setup`` committed (see
    tests/browser/conftest.py) instead of flushing and reloading it for every test, so nothing
    may run after a transactional one, whose end flushes every table.
    """
    def order(item) -> tuple[bool, bool]:
        marker = item.get_closest_marker("django_db")
        transactional = bool(marker and marker.kwargs.get("transaction")) or "transactional_db" in item.fixturenames
        return "tests/browser/" in str(item.fspath), transactional

    items.sort(key=order)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)
        call_command("load_catalogue", verbosity=0)


@pytest.fixture(scope="session")
def scratch_templates(tmp_path_factory):
    """The session's template databases for subprocess tests (tests/scratch.py), built on first use."""
    from django.db import connection

    from tests.scratch import Templates, postgres_admin_url

    vendor = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    templates = Templates(vendor=vendor, folder=tmp_path_factory.mktemp("templates"),
                          admin_url=postgres_admin_url(connection.settings_dict) if vendor == "postgresql" else "")
    try:
        yield templates
    finally:
        if vendor == "postgresql":
            templates.drop()


@pytest.fixture
def scratch_catalogue(scratch_templates, tmp_path):
    """A disposable database of the suite's vendor holding the loaded catalogue and an editor account."""
    with scratch_templates.copy("catalogue", tmp=tmp_path) as scratch:
        yield scratch


@pytest.fixture
def scratch_migrated(scratch_templates, tmp_path):
    """A disposable, migrated, empty database of the suite's vendor (with the cache table)."""
    with scratch_templates.copy("migrated", tmp=tmp_path) as scratch:
        yield scratch


@pytest.fixture
def catalogue(db):
    """The real catalogue (72 practices and the case reports), as loaded."""
    from practices.models import Practice

    assert Practice.objects.count() == 72
    return Practice.objects


@pytest.fixture
def practice_factory(db):
    from tests import factories

    return factories.PracticeFactory


@pytest.fixture
def entry_factory(db):
    from tests import factories

    return factories.PracticeEntryFactory


@pytest.fixture
def city_factory(db):
    from tests import factories

    return factories.CityFactory


@pytest.fixture
def user_factory(db):
    from tests import factories

    return factories.UserFactory


@pytest.fixture
def staff_user(db):
    """``staff_user("编辑")`` or ``staff_user("审核")``: a staff member in that role."""
    from django.contrib.auth.models import Group

    from tests import factories

    def make(group: str, username: str | None = None):
        user = factories.UserFactory(username=username or f"{group}-user")
        user.groups.add(Group.objects.get(name=group))
        return user

    return make



@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language (Chinese) with an empty fragment cache.

    The test client runs requests in this thread, and the language middleware leaves the last
    request's language active afterwards: without this, a test that reverses a URL after another
    test fetched an /en/ page would get an /en/ address. Fragments (practices/fragments.py) live in
    process memory, so one test's rendered facets (and rows, and memo) must not reach the next.
    """
    if "django.conf" not in sys.modules:  # the parser tests run without Django (-p no:django) and must stay so
        yield
        return
    from django.conf import settings
    from django.core.cache import caches
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    for alias in ("fragments", "rows", "memo"):
        caches[alias].clear()
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def no_random_pruning(monkeypatch):
    """Stored aggregates are pruned at random (2 % of stores): never in a test, whose query counts would flicker.

    tests/test_catalogue_cache.py sets the probability to 1 to test the pruning.
    """
    if "practices.catalogue_cache" in sys.modules:
        monkeypatch.setattr(sys.modules["practices.catalogue_cache"], "PRUNE_PROBABILITY", 0)
    yield
