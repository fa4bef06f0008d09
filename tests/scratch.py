"""Scratch databases for the tests that run ``manage.py`` or a server in a subprocess.

The fault, backup and load tests each need a database of the suite's vendor
that is not the test database: a SQLite file, or a PostgreSQL database when
the suite runs on PostgreSQL. Migrating and loading one costs about 16 s of
subprocesses, so the session builds two templates once (see the fixtures in
``tests/conftest.py``) and every test gets a copy:

* ``migrated``: migrated, with the cache table, and no catalogue;
* ``catalogue``: a copy of ``migrated`` with the catalogue loaded, an editor
  (编辑) account and, on SQLite, no free page left (VACUUM), which the
  full-disk fault test needs.

A copy is a file copy on SQLite and ``CREATE DATABASE … TEMPLATE …`` on
PostgreSQL: both take well under a second.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parents[1]
EDITOR = "fault-editor"
EDITOR_PASSWORD = "correct-horse-battery-staple"
CREATE_EDITOR = (
    "from django.contrib.auth.models import Group, User;"
    f"u = User.objects.create_user({EDITOR!r}, password={EDITOR_PASSWORD!r}, is_staff=True);"
    "u.groups.add(Group.objects.get(name='编辑'))"
)


def database_settings(url: str, **options) -> dict:
    """A DATABASES entry built the way catalogue/settings.py builds it, plus ``options``."""
    entry = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if entry["ENGINE"] == "django.db.backends.sqlite3":
        entry.setdefault("OPTIONS", {})["timeout"] = 20
    entry.setdefault("OPTIONS", {}).update(options)
    return entry


@dataclass
class Scratch:
    """A database outside the test database: a SQLite file (``path``) or a PostgreSQL database (``name``)."""

    url: str
    vendor: str
    path: Path | None = None  # SQLite file
    name: str = ""  # PostgreSQL database
    tmp: Path | None = None  # a folder of the test's own, for logs and exports

    def settings(self, **options) -> dict:
        return database_settings(self.url, **options)


def manage(url: str, *args: str, timeout: float = 600) -> str:
    """Run ``manage.py *args`` against ``url`` with the production settings (debug off); its stdout."""
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SECRET_KEY": "fault-test", "DJANGO_DEBUG": "0"}
    proc = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, f"manage.py {' '.join(args)} failed:\n{proc.stderr}"
    return proc.stdout


def postgres_admin_url(settings_dict: dict) -> str:
    """The maintenance database of the server ``settings_dict`` (the suite's connection) points at."""
    user = settings_dict.get("USER") or "postgres"
    host = settings_dict.get("HOST") or "127.0.0.1"
    return f"postgres://{user}@{host}:{settings_dict.get('PORT') or 5432}/postgres"


def postgres_execute(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


def sqlite_vacuum(path: Path) -> None:
    """Compact the file, so that no free page is left for the full-disk fault to use up.

    VACUUM checks the constraints again, some with Django's REGEXP: Django's SQL functions are registered first.
    """
    from django.db.backends.sqlite3._functions import register

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        register(conn)
        conn.execute("VACUUM")
    finally:
        conn.close()


class Templates:
    """The session's two template databases, built on first use; ``copy()`` hands out disposable copies."""

    def __init__(self, *, vendor: str, folder: Path, admin_url: str = ""):
        self.vendor, self.folder, self.admin_url = vendor, folder, admin_url
        self.suffix = uuid.uuid4().hex[:8]
        self._built: dict[str, Scratch] = {}
        self._databases: list[str] = []

    def _new(self, label: str) -> Scratch:
        if self.vendor == "sqlite":
            path = self.folder / f"{label}-{uuid.uuid4().hex[:6]}.sqlite3"
            return Scratch(url=f"sqlite:///{path}", vendor="sqlite", path=path)
        name = f"catalogue_{label}_{self.suffix}_{uuid.uuid4().hex[:6]}"
        self._databases.append(name)
        return Scratch(url=self.admin_url.rsplit("/", 1)[0] + f"/{name}", vendor="postgresql", name=name)

    def _copy_into(self, source: Scratch, target: Scratch) -> None:
        if self.vendor == "sqlite":
            shutil.copyfile(source.path, target.path)
        else:
            postgres_execute(self.admin_url, f'CREATE DATABASE "{target.name}" TEMPLATE "{source.name}"')

    def template(self, kind: str) -> Scratch:
        """``"migrated"`` or ``"catalogue"``: built once, never written after."""
        if kind in self._built:
            return self._built[kind]
        if kind == "migrated":
            built = self._new("tpl_migrated")
            if self.vendor == "postgresql":
                postgres_execute(self.admin_url, f'CREATE DATABASE "{built.name}"')
            manage(built.url, "migrate", "--noinput", "-v0")
            manage(built.url, "createcachetable")
        elif kind == "catalogue":
            built = self._new("tpl_catalogue")
            self._copy_into(self.template("migrated"), built)
            manage(built.url, "load_catalogue", "-v0")
            manage(built.url, "shell", "-c", CREATE_EDITOR)
            if self.vendor == "sqlite":
                sqlite_vacuum(built.path)
        else:
            raise ValueError(f"no template {kind!r}: 'migrated' or 'catalogue'")
        self._built[kind] = built
        return built

    @contextmanager
    def copy(self, kind: str, *, tmp: Path) -> Iterator[Scratch]:
        """A disposable copy of template ``kind`` for one test; dropped (PostgreSQL) at its end."""
        source = self.template(kind)
        if self.vendor == "sqlite":
            path = tmp / f"{kind}-{uuid.uuid4().hex[:6]}.sqlite3"
            shutil.copyfile(source.path, path)
            yield Scratch(url=f"sqlite:///{path}", vendor="sqlite", path=path, tmp=tmp)
            return
        name = f"catalogue_{kind}_{self.suffix}_{uuid.uuid4().hex[:6]}"
        postgres_execute(self.admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{source.name}"')
        try:
            yield Scratch(url=self.admin_url.rsplit("/", 1)[0] + f"/{name}", vendor="postgresql", name=name, tmp=tmp)
        finally:
            postgres_execute(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop(self) -> None:
        for name in reversed(self._databases):
            postgres_execute(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
