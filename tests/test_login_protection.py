"""Login protection: lockout after repeated failures, unlock in the admin, strong passwords."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-staple"


def attempt(client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post(reverse("admin:login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_an_account_is_locked_after_repeated_failures_even_with_the_right_password(client, user_factory):
    user_factory(username="alice", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "alice", "wrong").status_code == 200  # the login form again
    locked = attempt(client, "alice", "wrong")
    assert locked.status_code == 429
    assert "账户已锁定" in locked.content.decode()
    assert attempt(client, "alice", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_other_accounts_are_not_locked(client, user_factory):
    user_factory(username="bob", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "mallory", "wrong")
    assert attempt(client, "bob", PASSWORD, address="198.51.100.2").status_code == 302


def test_an_address_trying_many_accounts_is_locked(client, user_factory):
    user_factory(username="erin", password=PASSWORD)
    for number in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"guess{number}", "wrong")
    assert attempt(client, "erin", PASSWORD).status_code == 429


def test_staff_unlock_an_account_in_the_admin(client, user_factory):
    from axes.models import AccessAttempt

    user_factory(username="carol", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "carol", "wrong")
    assert AccessAttempt.objects.filter(username="carol").exists()
    admin = user_factory(username="root", is_superuser=True)
    client.force_login(admin)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert "carol" in client.get(changelist).content.decode()
    attempts = AccessAttempt.objects.filter(username="carol")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [a.pk for a in attempts],
                             "post": "yes"})
    client.logout()
    assert not AccessAttempt.objects.filter(username="carol").exists()
    assert attempt(client, "carol", PASSWORD, address="198.51.100.3").status_code == 302


@pytest.mark.parametrize("password", ["short1", "12345678901234", "password123456", "carolcarol2024"])
def test_weak_passwords_are_rejected(password, user_factory):
    user = user_factory(username="carolcarol")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_strong_password_is_accepted(user_factory):
    validate_password("Vq2-zR7p-Lw4X-n9Tb", user_factory(username="dave"))


def test_the_admin_url_is_configurable():
    import subprocess
    import sys

    code = "from django.urls import reverse; print(reverse('admin:index'))"
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=settings.BASE_DIR,
                            capture_output=True, text=True, env={**__import__("os").environ,
                                                                 "DJANGO_ADMIN_URL": "backoffice-7f3/"})
    assert result.stdout.strip().endswith("/backoffice-7f3/")
