"""The URL mix: 100 paths built from the target database's real slugs and numbers.

:func:`url_mix` and :func:`database_facts` run in a child ``manage.py loadtest
--write-urls`` pointed at the target database (:func:`prepare_urls` starts it),
so the parent never opens that database through Django.
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

from .options import LoadTestError, LoadTestOptions, redact

SEARCH_TERMS = ("融资", "无还本续贷")
# How many of each kind of URL a mix of 100 holds (detail pages: spread over the numbers).
MIX = {"home": 5, "list_category": 15, "list_city": 10, "list_category_city": 10, "search": 10,
       "detail": 40, "api_category": 10}
# The child runs the bench app's own command, which the public site's settings do not install.
BENCH_SETTINGS = "bench.settings"


def url_mix(*, detail_pages: int = 40, seed: int = 1) -> dict:
    """The mix of 100 paths (shuffled with ``seed``), built from the current database's real data."""
    from django.db.models import Count, Q

    from practices.models import Category, City, Practice

    published = Practice.objects.filter(status="published")
    categories = list(Category.objects.annotate(n=Count("practices", filter=Q(practices__status="published")))
                      .filter(n__gt=0).order_by("number").values_list("slug", flat=True))
    cities = list(City.objects.annotate(n=Count("entries", filter=Q(entries__practice__status="published")))
                  .filter(n__gt=0).order_by("-n", "slug").values_list("slug", flat=True)[:10])
    numbers = list(published.order_by("number").values_list("number", flat=True))
    if not (categories and cities and numbers):
        raise LoadTestError("the database holds no published practice (is the catalogue loaded?)")
    count = max(1, min(detail_pages, len(numbers)))
    spread = sorted({numbers[i * (len(numbers) - 1) // max(count - 1, 1)] for i in range(count)})

    def cycle(items: list, n: int) -> list:
        return [items[i % len(items)] for i in range(n)]

    kinds: dict[str, list[str]] = {
        "home": ["/"] * MIX["home"],
        "list_category": ["/practices/?" + urlencode({"category": c}) for c in cycle(categories, MIX["list_category"])],
        "list_city": ["/practices/?" + urlencode({"city": c}) for c in cycle(cities, MIX["list_city"])],
        "list_category_city": ["/practices/?" + urlencode({"category": cat, "city": town}) for cat, town in zip(
            cycle(categories, MIX["list_category_city"]), cycle(cities[::-1], MIX["list_category_city"]),
            strict=True)],
        "search": ["/practices/?" + urlencode({"q": q}) for q in cycle(list(SEARCH_TERMS), MIX["search"])],
        "detail": [f"/practices/{n}/" for n in cycle(spread, MIX["detail"])],
        "api_category": ["/api/practices/?" + urlencode({"category": c}) for c in cycle(categories, MIX["api_category"])],
    }
    paths = [path for group in kinds.values() for path in group]
    random.Random(seed).shuffle(paths)
    return {
        "paths": paths,
        "kinds": {name: len(group) for name, group in kinds.items()},
        "unique": len(set(paths)),
        "categories": categories,
        "cities": cities,
        "detail_numbers": spread,
        "practices_published": len(numbers),
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


def write_url_file(path: Path, *, detail_pages: int, seed: int) -> dict:
    """The child's work: the mix and the database facts as JSON at ``path`` (and the paths beside it)."""
    mix = url_mix(detail_pages=detail_pages, seed=seed)
    data = {"mix": mix, "database": database_facts()}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return data


def prepare_urls(options: LoadTestOptions, env: dict, label: str) -> tuple[dict, Path]:
    """Run the URL-writing child against the target database; returns (its JSON, the wrk URL file).

    ``env`` is the server's environment (the public site's settings); the child gets the bench
    app on top, for its ``loadtest --write-urls`` command.
    """
    options.output_dir.mkdir(parents=True, exist_ok=True)
    data_path = options.output_dir / f"urls-{label}.json"
    data_path.unlink(missing_ok=True)
    command = [sys.executable, str(options.base_dir / "manage.py"), "loadtest", "--write-urls", str(data_path),
               "--detail-pages", str(options.detail_pages), "--seed", str(options.seed), "-v", "0"]
    try:
        completed = subprocess.run(command, env=env | {"DJANGO_SETTINGS_MODULE": BENCH_SETTINGS}, cwd=options.base_dir, capture_output=True, text=True,
                                   timeout=300)
    except subprocess.TimeoutExpired as exc:
        raise LoadTestError("building the URL mix took more than 300 s") from exc
    if completed.returncode != 0 or not data_path.exists():
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        raise LoadTestError(f"cannot build the URL mix from {redact(options.database_url)} "
                            f"(exit {completed.returncode}): " + " | ".join(tail))
    data = json.loads(data_path.read_text(encoding="utf-8"))
    urls = options.output_dir / f"urls-{label}.txt"
    urls.write_text(f"# URL mix of {redact(options.database_url)}: "
                    + ", ".join(f"{k} {v}" for k, v in data["mix"]["kinds"].items()) + "\n"
                    + "\n".join(data["mix"]["paths"]) + "\n", encoding="utf-8")
    return data, urls
