"""``manage.py rebuild_search_index``: recompute the full-text search words and index.

Run it after anything that bypasses save(): ``loaddata``, ``update()``,
``bulk_create``, raw SQL. ``load_catalogue`` runs it itself.
"""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction

from practices.models import CaseReport, Practice
from practices.search import DEFAULT_BATCH_SIZE, search_index_rebuild


class Command(BaseCommand):
    help = "重建全文检索：重新分词全部典型做法和案例报道，并重写检索索引（loaddata、update() 等批量写入之后运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                            help=f"每批处理的记录数，默认 {DEFAULT_BATCH_SIZE}。")
        parser.add_argument("--only", choices=["practices", "case-reports"],
                            help="只重建典型做法（practices）或案例报道（case-reports）的检索词；默认全部并重新同步索引。")
        parser.add_argument("--database", default="default",
                            help="数据库别名，默认 default。")

    def handle(self, *args, batch_size: int, only: str | None, database: str, verbosity: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size 必须是正整数。")
        selection = {}
        if only == "practices":
            selection = {"practices": Practice.objects.using(database).all(), "case_reports": []}
        elif only == "case-reports":
            selection = {"practices": [], "case_reports": CaseReport.objects.using(database).all()}

        def progress(label: str, done: int, total: int) -> None:
            if verbosity >= 2:
                self.stdout.write(f"  {label}: {done}/{total}")

        started = time.perf_counter()
        try:
            with transaction.atomic(using=database):
                report = search_index_rebuild(batch_size=batch_size, using=database, progress=progress, **selection)
        except DatabaseError as exc:
            raise CommandError(f"重建检索索引失败，数据库未改动：{exc}") from exc
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(
                f"Search index rebuilt ({report}; {time.perf_counter() - started:.1f} s)."
            ))
