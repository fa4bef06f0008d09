"""Settings come from the environment (and .env); a missing secret fails loudly."""
import os
import shutil
import subprocess
import sys

from django.conf import settings


def test_chinese_first_defaults():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True


def run_settings(env: dict) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'], settings.ALLOWED_HOSTS)"
    # A developer's own .env must not change what these tests see.
    base = clean_environment() | {"DJANGO_READ_DOT_ENV": "0"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=base | {"DJANGO_SETTINGS_MODULE": "catalogue.settings"} | env,
                          cwd=settings.BASE_DIR)


def clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}


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


def settings_with_dot_env(tmp_path, dot_env: str, env: dict) -> subprocess.CompletedProcess:
    """Import a copy of catalogue/settings.py whose BASE_DIR is ``tmp_path``, beside a .env of ``dot_env``."""
    package = tmp_path / "catalogue"
    package.mkdir()
    (package / "__init__.py").write_text("")
    shutil.copy(settings.BASE_DIR / "catalogue" / "settings.py", package / "settings.py")
    (tmp_path / ".env").write_text(dot_env, encoding="utf-8")
    code = "import catalogue.settings as s; print(s.SECRET_KEY, s.ALLOWED_HOSTS)"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=clean_environment() | env, cwd=tmp_path)


def test_dot_env_is_read_and_the_real_environment_wins(tmp_path):
    result = settings_with_dot_env(
        tmp_path, "DJANGO_SECRET_KEY=from-dot-env\nDJANGO_ALLOWED_HOSTS=dot-env.example\n",
        {"DJANGO_ALLOWED_HOSTS": "real.example"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["from-dot-env", "['real.example']"]


def test_dot_env_is_skipped_when_told(tmp_path):
    result = settings_with_dot_env(tmp_path, "DJANGO_SECRET_KEY=from-dot-env\n", {"DJANGO_READ_DOT_ENV": "0"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
