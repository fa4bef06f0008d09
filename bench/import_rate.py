"""Rows per second of the admin's practice import: the preview and the confirm, through the real admin views.

Usage::

    .venv/bin/python -m bench.import_rate --sizes 100 1000 10000

A fresh SQLite database (migrated, with the real catalogue loaded) is built
once under ``--workdir`` and copied before every size, so each run starts from
the same 72 practices. Each run uploads a CSV of ``size`` *new* practices with
one to three city entries each (``--update`` instead rewrites the names of
existing numbers after a first import), posts the preview, then the confirm,
as a superuser through Django's test client, with DEBUG off. It prints one
line per size: rows, seconds and rows/s of the preview and of the confirm,
rows per CPU second (the process's own time: SQLite runs in it too, so this
figure holds steady on a machine shared with other work, where the wall clock
does not), and SQL queries per row. Set ``BENCH_SQL_TOP=n`` to list the n
most frequent statements of each step on stderr.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from pathlib import Path

TEMPLATE = "template.sqlite3"
WORKING = "working.sqlite3"


def _setup(workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-import-rate")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / WORKING}"
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's response.context (the preview's confirm form)
    settings.ALLOWED_HOSTS = ["testserver"]
    # The import itself is measured, in the request: above this many rows the admin hands the same
    # import to a background job (practices/import_jobs.py), which would leave the request at once.
    settings.IMPORT_BACKGROUND_ROWS = 10**9
    # The admin's pages need no collected, hashed static files to be measured.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _build_template(workdir: Path) -> None:
    from django.core.management import call_command
    from django.db import connections

    working = workdir / WORKING
    if (workdir / TEMPLATE).exists():
        return
    working.unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    connections.close_all()
    shutil.copy(working, workdir / TEMPLATE)


def _reset(workdir: Path) -> None:
    from django.db import connections

    connections.close_all()
    shutil.copy(workdir / TEMPLATE, workdir / WORKING)


def synthetic_csv(size: int, *, first_number: int, seed: int = 1) -> bytes:
    """``size`` practice rows (new numbers from ``first_number``), each with 1–3 city entries."""
    from practices.models import Category, City, SourceDocument
    from practices.resources import homonym_names

    rng = random.Random(seed)
    homonyms = homonym_names()
    cities = list(City.objects.exclude(name__in=homonyms).order_by("pk").values_list("name", flat=True))
    categories = list(Category.objects.order_by("number").values_list("number", flat=True))
    source = SourceDocument.objects.order_by("pk").values_list("filename", flat=True).first()
    lines = ["number,name,category,category_name,status,cities,entries,source"]
    for index in range(size):
        chosen = rng.sample(cities, rng.randint(1, 3))
        entries = "\n".join(
            f"【{city}】{city}推行第{index}号改革，{'优化营商环境' * rng.randint(3, 12)}。" for city in chosen
        )
        lines.append(
            f"{first_number + index},合成做法{first_number + index},{rng.choice(categories)},,draft,"
            f'{";".join(chosen)},"{entries}",{source}'
        )
    return ("\n".join(lines) + "\n").encode()


def _client():
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    user, _ = get_user_model().objects.get_or_create(
        username="bench-importer", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    # Warm up: the first request imports the URL modules, and the first search words load jieba's
    # dictionary (about 1 s): one-off costs of a worker, not of an import.
    client.get(reverse("admin:practices_practice_import"), secure=True)
    from practices.importer.search_text import search_document

    search_document("预热")
    return client


def _timed(call):
    from django.db import connection

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql[:70])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = call()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if os.environ.get("BENCH_SQL_TOP"):  # which statements dominate (to find per-row queries)
        from collections import Counter

        for sql, n in Counter(queries).most_common(int(os.environ["BENCH_SQL_TOP"])):
            sys.stderr.write(f"{n:7d}  {sql}\n")
    return response, elapsed, cpu, len(queries)


def run(size: int, *, update: bool) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from practices.models import Practice

    client = _client()
    content = synthetic_csv(size, first_number=10_000)

    def preview(data: bytes):
        return client.post(
            reverse("admin:practices_practice_import"),
            {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("bench.csv", data)},
            secure=True,
        )

    def confirm(response):
        form = response.context["confirm_form"]
        return client.post(
            reverse("admin:practices_practice_process_import"),
            {name: form.initial.get(name, "") for name in form.fields},
            secure=True,
        )

    if update:
        first = preview(content)
        confirm(first)
        content = content.replace("合成做法".encode(), "改名做法".encode())
    shown, preview_s, preview_cpu, preview_q = _timed(lambda: preview(content))
    result = shown.context["result"] if shown.context else None
    if result is None or result.has_errors() or result.has_validation_errors():
        raise SystemExit(f"preview of {size} rows failed: status {shown.status_code}")
    before = Practice.objects.filter(name__startswith="改名做法" if update else "合成做法").count()
    done, confirm_s, confirm_cpu, confirm_q = _timed(lambda: confirm(shown))
    written = Practice.objects.filter(name__startswith="改名做法" if update else "合成做法").count() - before
    if done.status_code != 302 or written != size:
        raise SystemExit(f"confirm of {size} rows failed: status {done.status_code}, {written} written")
    return {
        "rows": size,
        "preview_s": preview_s,
        "confirm_s": confirm_s,
        "preview_q": preview_q,
        "confirm_q": confirm_q,
        "preview_cpu": preview_cpu,
        "confirm_cpu": confirm_cpu,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--workdir", type=Path, default=Path("var/bench-import"))
    parser.add_argument("--update", action="store_true", help="measure rows that update existing practices")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    _setup(args.workdir.resolve())
    _build_template(args.workdir.resolve())
    kind = "update" if args.update else "new"
    for size in args.sizes:
        _reset(args.workdir.resolve())
        r = run(size, update=args.update)
        sys.stdout.write(
            f"{kind} rows={r['rows']:>6}  preview {r['preview_s']:7.2f} s {r['rows'] / r['preview_s']:6.0f} rows/s"
            f" (cpu {r['rows'] / r['preview_cpu']:6.0f}) {r['preview_q'] / r['rows']:5.2f} q/row"
            f"  |  confirm {r['confirm_s']:7.2f} s {r['rows'] / r['confirm_s']:6.0f} rows/s"
            f" (cpu {r['rows'] / r['confirm_cpu']:6.0f}) {r['confirm_q'] / r['rows']:5.2f} q/row\n"
        )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
