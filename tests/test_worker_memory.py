"""A web worker serves the public site without loading what only writes need.

pypinyin's tables cost 56 MiB per process (measured: RSS after ``import pypinyin``), and only
slugs need them, which are made when a load or a staff edit creates a record. A fresh
interpreter with the production settings imports the WSGI application (as gunicorn's master
does, catalogue/wsgi.py), serves the public pages and the API, and must end with no pypinyin
module loaded; then it makes one slug, to prove the probe sees the import when it happens.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)

PROBE = """
import json, sys
import catalogue.wsgi  # what gunicorn's master imports (preload_app)
from django.test import Client
from practices.models import Practice

client = Client()
practice = Practice.objects.published().order_by("number").first()
paths = ["/", "/en/", "/practices/", "/practices/?q=融资", f"/practices/{practice.number}/", f"/practices/{practice.number}/compare/", "/cities/", "/provinces/",
         "/categories/", "/metrics/", "/case-reports/", "/api/practices/", "/practices/export.csv", "/sitemap.xml"]
statuses = {path: client.get(path, secure=True).status_code for path in paths}
before = sorted(name for name in sys.modules if name.split(".")[0] == "pypinyin")
from practices.models.sources import source_slug
slug = source_slug("民营企业.txt")
print(json.dumps({"statuses": statuses, "before": before, "slug": slug,
                  "after": "pypinyin" in sys.modules}))
"""


def test_serving_the_public_site_never_loads_pypinyin(scratch_catalogue):
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env |= {"DJANGO_SETTINGS_MODULE": "catalogue.settings", "DJANGO_SECRET_KEY": "test-only-not-a-secret",
            "DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "testserver", "DJANGO_STATIC_MANIFEST": "0",
            "DATABASE_URL": scratch_catalogue.url}
    completed = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=BASE_DIR, capture_output=True, text=True,
                               timeout=300)
    assert completed.returncode == 0, completed.stderr
    probe = json.loads(completed.stdout.strip().splitlines()[-1])
    # The pages were really served (not redirected or failed), so their code paths ran.
    assert {path: status for path, status in probe["statuses"].items() if status != 200} == {}
    assert probe["before"] == []
    # The probe sees pypinyin once a slug is made.
    assert probe["slug"] == "min-ying-qi-ye"
    assert probe["after"] is True
