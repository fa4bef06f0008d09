"""Shared fixtures: the real catalogue loaded once per test session, and factories.

The catalogue is loaded into the test database once (session scope); each test
runs in a transaction that is rolled back, so tests may change or delete data
freely. Browser tests (transactional) reload what they need themselves.
"""
from __future__ import annotations

import pytest
from django.core.management import call_command

from tests import factories


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)
        call_command("load_catalogue", verbosity=0)


@pytest.fixture
def catalogue(db):
    """The real catalogue (72 practices and the case reports), as loaded."""
    from practices.models import Practice

    assert Practice.objects.count() == 72
    return Practice.objects


@pytest.fixture
def practice_factory(db):
    return factories.PracticeFactory


@pytest.fixture
def entry_factory(db):
    return factories.PracticeEntryFactory


@pytest.fixture
def city_factory(db):
    return factories.CityFactory


@pytest.fixture
def user_factory(db):
    return factories.UserFactory
