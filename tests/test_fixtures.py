"""export_catalogue: deterministic natural-key fixtures that round-trip exactly."""
from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from practices.fixture_export import FIXTURE_MODELS, catalogue_export_fixture

pytestmark = pytest.mark.django_db
VOLATILE = {"created", "updated", "published_at"}


def test_two_exports_are_byte_identical_and_readable(catalogue, tmp_path: Path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    call_command("export_catalogue", "--output", str(first), verbosity=0)
    call_command("export_catalogue", "--output", str(second), verbosity=0)
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="utf-8")
    assert "推进企业开办智能化、极简化" in text  # Chinese left unescaped
    assert '"pk"' not in text  # natural keys, no auto-increment ids


def test_export_writes_utf8_whatever_the_locale(catalogue, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("LC_ALL", "C")
    monkeypatch.setenv("PYTHONIOENCODING", "ascii")
    target = tmp_path / "c.json"
    call_command("export_catalogue", "--output", str(target), verbosity=0)
    json.loads(target.read_bytes().decode("utf-8"))


def _strip_volatile(text: str) -> list:
    records = json.loads(text)
    for record in records:
        for name in VOLATILE:
            record["fields"].pop(name, None)
    return records


def test_the_committed_fixture_matches_the_loader(catalogue):
    """Fails when fixtures/catalogue.json drifts from the sources or the loader.

    Timestamps are the only fields allowed to differ (they record when a load
    ran); rebuild with `make fixtures`.
    """
    committed = (settings.FIXTURES_DIR / "catalogue.json").read_text(encoding="utf-8")
    assert _strip_volatile(committed) == _strip_volatile(catalogue_export_fixture())


def test_loaddata_into_an_empty_database_reproduces_the_catalogue_exactly(catalogue, tmp_path: Path):
    exported = catalogue_export_fixture()
    path = tmp_path / "catalogue.json"
    path.write_text(exported, encoding="utf-8")
    for model, _ in reversed(FIXTURE_MODELS):
        model._default_manager.all().delete()
    assert json.loads(catalogue_export_fixture()) == []

    call_command("loaddata", str(path), verbosity=0, stdout=StringIO())

    assert catalogue_export_fixture() == exported
