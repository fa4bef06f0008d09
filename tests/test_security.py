"""Production hardening: deploy checks, headers, CSP, static files, escaping."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "catalogue.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k8#Vq2!zR7pLw4@Xn9$Tb6^Hc3&Md5*Fj1(Gs0)Ua-Ye+Ki=Oo_Pr",
    "DJANGO_ALLOWED_HOSTS": "catalogue.example.org",
}


def manage(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
                          env=base | PRODUCTION_ENV | (env or {}), timeout=300)


def test_the_deploy_check_is_clean_in_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_the_deploy_check_catches_an_insecure_configuration():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env={"DJANGO_SECURE_HSTS_SECONDS": "0"})
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


@pytest.mark.django_db
def test_security_headers_on_every_page(client, catalogue):
    response = client.get("/practices/15/", secure=True)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/practices/", "/practices/15/", "/practices/15/compare/", "/case-reports/",
                                 "/metrics/", "/about/", "/cities/qingdao/"])
def test_public_pages_have_no_inline_script(client, catalogue, url):
    html = client.get(url).content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=\"", html)  # no inline event handlers


@pytest.mark.django_db
def test_ssl_redirect_is_configurable(client, catalogue, settings):
    from django.test import Client

    # SecurityMiddleware reads the setting when the handler is built, so each
    # configuration gets a fresh client.
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/practices/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    settings.SECURE_SSL_REDIRECT = False
    assert Client().get("/practices/").status_code == 200


def test_ssl_redirect_and_proxy_header_come_from_the_environment():
    code = "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER)"
    on = manage("shell", "-c", code)
    off = manage("shell", "-c", code, env={"DJANGO_SECURE_SSL_REDIRECT": "0", "DJANGO_SECURE_PROXY_SSL_HEADER": "1"})
    assert on.stdout.strip().endswith("True None")
    assert off.stdout.strip().endswith("False ('HTTP_X_FORWARDED_PROTO', 'https')")


def test_collectstatic_builds_hashed_compressed_files(tmp_path):
    result = manage("collectstatic", "--noinput", "-v0", env={"DJANGO_STATIC_ROOT": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    manifest = (tmp_path / "staticfiles.json").read_text(encoding="utf-8")
    css = [p for p in tmp_path.rglob("*.css") if re.search(r"\.[0-9a-f]{12}\.css$", p.name)]
    assert css and '"practices/' in manifest
    assert any(Path(str(p) + ".gz").exists() for p in css)


@pytest.mark.django_db
def test_markup_in_imported_text_is_escaped(client, catalogue):
    from practices.models import Practice, PracticeEntry

    Practice.objects.filter(number=2).update(name='<script>alert("x")</script>')
    PracticeEntry.objects.filter(practice__number=2).update(text='<img src=x onerror="alert(1)">正文')
    for url in ("/practices/2/", "/practices/", "/"):
        html = client.get(url).content.decode()
        assert '<script>alert("x")</script>' not in html
        assert "<img src=x" not in html
    assert "&lt;script&gt;" in client.get("/practices/2/").content.decode()
