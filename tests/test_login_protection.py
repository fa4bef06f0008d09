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
    html = locked.content.decode()
    assert "登录已暂停" in html and "“alice”" in html
    assert attempt(client, "alice", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_says_when_to_retry(client, user_factory):
    user_factory(username="alice", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked = attempt(client, "alice", "wrong")
    assert locked.status_code == 429
    seconds = int(locked["Retry-After"])
    assert 3500 < seconds <= 3600  # the hour's cool-off, counted from the last failure
    assert "约 60 分钟后" in locked.content.decode()


def test_other_accounts_are_not_locked(client, user_factory):
    user_factory(username="bob", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "mallory", "wrong")
    assert attempt(client, "bob", PASSWORD, address="198.51.100.2").status_code == 302


def test_one_persons_typos_do_not_lock_a_colleague_at_the_same_address(client, user_factory):
    """Lockout is per (username, address): the shared office address stays open for everyone else."""
    user_factory(username="erin", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "frank", "wrong")
    assert attempt(client, "frank", PASSWORD).status_code == 429
    assert attempt(client, "erin", PASSWORD).status_code == 302


def test_the_locked_account_still_logs_in_from_another_address(client, user_factory):
    user_factory(username="gina", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "gina", "wrong", address="203.0.113.50")
    assert attempt(client, "gina", PASSWORD, address="203.0.113.50").status_code == 429
    assert attempt(client, "gina", PASSWORD, address="198.51.100.9").status_code == 302


def test_behind_a_proxy_the_forwarded_client_address_counts(client, user_factory, settings):
    """DJANGO_TRUSTED_PROXY_COUNT=1: every request comes from the proxy, X-Forwarded-For names the client."""
    settings.TRUSTED_PROXY_COUNT = 1
    user_factory(username="hank", password=PASSWORD)
    proxy = "10.0.0.2"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("admin:login"), {"username": "hank", "password": "wrong"}, REMOTE_ADDR=proxy,
                    HTTP_X_FORWARDED_FOR="203.0.113.8")
    from axes.models import AccessAttempt

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.8"}
    # The same account from another client behind the same proxy is not locked; a forged leftmost entry is ignored.
    ok = client.post(reverse("admin:login"), {"username": "hank", "password": PASSWORD}, REMOTE_ADDR=proxy,
                     HTTP_X_FORWARDED_FOR="203.0.113.8, 198.51.100.4")
    assert ok.status_code == 302


def test_client_address_without_a_proxy_ignores_forwarded_headers(rf, settings):
    from practices.admin.login_protection import client_ip_address

    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert client_ip_address(request) == "198.51.100.1"
    settings.TRUSTED_PROXY_COUNT = 2
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5, 10.0.0.9")
    assert client_ip_address(request) == "203.0.113.5"


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
