"""``manage.py load_catalogue``: load every bundled source in one transaction."""
from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from practices.importer.loading import LoadError, load_catalogue


class Command(BaseCommand):
    help = "载入 fixtures/sources 中的全部来源文件（幂等；不覆盖工作人员的编辑）。"

    def add_arguments(self, parser):
        parser.add_argument("--sources-dir", type=Path, default=settings.SOURCES_DIR,
                            help="来源文件目录（含 SHA256SUMS），默认 fixtures/sources。")
        parser.add_argument("--manifests-dir", type=Path, default=settings.MANIFESTS_DIR,
                            help="案例报道切分清单目录，默认 fixtures/manifests。")
        parser.add_argument("--overwrite", action="store_true",
                            help="覆盖工作人员编辑过的记录（慎用）。")

    def handle(self, *args, sources_dir: Path, manifests_dir: Path, overwrite: bool, verbosity: int, **options):
        started = time.perf_counter()
        try:
            report = load_catalogue(sources_dir=sources_dir, manifests_dir=manifests_dir, overwrite=overwrite)
        except LoadError as exc:
            raise CommandError(f"载入失败，数据库未改动：{exc}") from exc
        elapsed = time.perf_counter() - started
        if verbosity >= 1:
            for label, tally in report.tallies.items():
                self.stdout.write(
                    f"{label}: created {tally.created}, updated {tally.updated}, "
                    f"unchanged {tally.unchanged}, skipped {tally.skipped}"
                )
            total = report.totals()
            self.stdout.write(
                f"Total: created {total.created}, updated {total.updated}, unchanged {total.unchanged}, "
                f"skipped {total.skipped}, deleted {len(report.deleted)} ({elapsed:.1f} s)"
            )
            if report.skipped:
                self.stdout.write(self.style.WARNING(f"Skipped {len(report.skipped)} staff-edited record(s):"))
                for line in report.skipped if verbosity >= 2 else report.skipped[:20]:
                    self.stdout.write(f"  {line}")
            if verbosity >= 2:
                for line in report.deleted:
                    self.stdout.write(f"  deleted: {line}")
            if report.changed:
                self.stdout.write(self.style.SUCCESS("Catalogue loaded."))
            else:
                self.stdout.write(self.style.SUCCESS("Nothing changed: the database already matches the sources."))
