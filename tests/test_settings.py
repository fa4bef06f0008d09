"""Settings come from the environment; a missing secret fails loudly."""
import os
import subprocess
import sys

from django.conf import settings


def test_chinese_first_defaults():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True


def run_settings(env: dict) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'], settings.ALLOWED_HOSTS)"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=base | {"DJANGO_SETTINGS_MODULE": "catalogue.settings"} | env,
                          cwd=settings.BASE_DIR)


def test_secret_key_is_required_when_debug_is_off():
    result = run_settings({"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_database_url_and_allowed_hosts_come_from_the_environment():
    result = run_settings({"DJANGO_SECRET_KEY": "s", "DATABASE_URL": "postgres://u@db:5432/x",
                           "DJANGO_ALLOWED_HOSTS": "a.example, b.example"})
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout and "['a.example', 'b.example']" in result.stdout


def test_default_database_is_sqlite_under_var():
    result = run_settings({"DJANGO_DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout
