"""Shared fixtures: the real catalogue loaded once per test session, and factories.

The catalogue is loaded into the test database once (session scope); each test
runs in a transaction that is rolled back, so tests may change or delete data
freely. Browser tests (transactional) reload what they need themselves.
"""
from __future__ import annotations

# Django is imported inside fixtures only: the parser tests run without it
# (pytest -p no:django) to prove the parsers never need it.
import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.core.management import call_command

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

