"""The facts the URL files are built from: the target database's real slugs, ids, counts and numbers.

:func:`catalogue_facts` and :func:`database_facts` run in a child ``manage.py loadtest
--write-urls`` pointed at the target database (:func:`prepare_facts` starts it), so the
parent never opens that database through Django; ``urlplan`` turns the facts into URL files.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

from .options import LoadTestError, LoadTestOptions, redact

# The child runs the bench app's own command, which the public site's settings do not install.
BENCH_SETTINGS = "bench.settings"
EXPORT_TARGET_ROWS = 20  # the mix's CSV export: the category × city filter with about this many practices


def catalogue_facts() -> dict:
    """What the URL files are built from (``urlplan``): the current database's real slugs, ids,
    counts and every published number; and the small filter the mix exports as CSV."""
    from django.db.models import Count, Q

    from practices.models import Category, City, Practice

    published = Practice.objects.filter(status="published")
    categories = list(Category.objects.annotate(n=Count("practices", filter=Q(practices__status="published")))
                      .filter(n__gt=0).order_by("number").values_list("slug", "pk", "n"))
    ranked = list(City.objects.annotate(n=Count("entries", filter=Q(entries__practice__status="published")))
                  .filter(n__gt=0).order_by("-n", "slug").values_list("slug", flat=True))
    numbers = list(published.order_by("number").values_list("number", flat=True))
    if not (categories and ranked and numbers):
        raise LoadTestError("the database holds no published practice (is the catalogue loaded?)")
    cities = ranked[:10]
    city_counts = {slug: published.filter(entries__city__slug=slug).distinct().count() for slug in cities}
    pairs = (published.filter(entries__city__slug__in=cities).values_list("category__slug", "entries__city__slug")
             .annotate(n=Count("pk", distinct=True)))
    category_slug, city_slug, rows = min(pairs, key=lambda row: (abs(row[2] - EXPORT_TARGET_ROWS), row[0], row[1]))
    return {
        "categories": [slug for slug, _, _ in categories],
        "category_ids": {slug: pk for slug, pk, _ in categories},
        "category_counts": {slug: n for slug, _, n in categories},
        "cities": cities,
        "city_counts": city_counts,
        "all_cities": ranked,
        "numbers": numbers,
        "practices_published": len(numbers),
        "export": {"query": urlencode({"category": category_slug, "city": city_slug}), "rows": rows},
    }


def database_facts() -> dict:
    """The child's view of the target database: engine, version, connection settings, migrations."""
    from django.conf import settings
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    facts = {"vendor": connection.vendor,
             "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
             "conn_health_checks": settings.DATABASES["default"].get("CONN_HEALTH_CHECKS"),
             "debug": settings.DEBUG}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            facts["server_version"] = cursor.fetchone()[0]
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            facts["server_version"] = cursor.fetchone()[0]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    facts["unapplied_migrations"] = [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
    return facts


def write_url_file(path: Path) -> dict:
    """The child's work: the catalogue facts and the database facts as JSON at ``path``."""
    data = {"facts": catalogue_facts(), "database": database_facts()}
    path.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    return data


def prepare_facts(options: LoadTestOptions, env: dict, label: str, workdir: Path) -> dict:
    """Run the fact-writing child against the target database; returns its JSON.

    ``env`` is the server's environment (the public site's settings); the child gets the bench
    app on top, for its ``loadtest --write-urls`` command.
    """
    data_path = workdir / f"facts-{label}.json"
    data_path.unlink(missing_ok=True)
    command = [sys.executable, str(options.base_dir / "manage.py"), "loadtest", "--write-urls", str(data_path),
               "-v", "0"]
    try:
        completed = subprocess.run(command, env=env | {"DJANGO_SETTINGS_MODULE": BENCH_SETTINGS},
                                   cwd=options.base_dir, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired as exc:
        raise LoadTestError("reading the catalogue for the URL mix took more than 300 s") from exc
    if completed.returncode != 0 or not data_path.exists():
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        raise LoadTestError(f"cannot build the URL mix from {redact(options.database_url)} "
                            f"(exit {completed.returncode}): " + " | ".join(tail))
    return json.loads(data_path.read_text(encoding="utf-8"))
