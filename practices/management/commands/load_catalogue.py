"""``manage.py load_catalogue``: load every bundled source in one transaction (or say why nothing is needed)."""
from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from practices.importer.loading import LoadError, load_catalogue


class Command(BaseCommand):
    # The system checks (about 0.4 s) run with migrate, which `make run` calls just before:
    # an unchanged load should cost only the checksum check.
    requires_system_checks = []
    help = "载入 fixtures/sources 中的全部来源文件（幂等；不覆盖工作人员的编辑；来源未变时只核对校验和）。"

    def add_arguments(self, parser):
        parser.add_argument("--sources-dir", type=Path, default=settings.SOURCES_DIR,
                            help="来源文件目录（含 SHA256SUMS），默认 fixtures/sources。")
        parser.add_argument("--manifests-dir", type=Path, default=settings.MANIFESTS_DIR,
                            help="案例报道切分清单目录，默认 fixtures/manifests。")
        parser.add_argument("--overwrite", action="store_true",
                            help="覆盖工作人员编辑过的记录（慎用）。")
        parser.add_argument("--dry-run", action="store_true",
                            help="只显示会有哪些改动，不写入数据库。")
        parser.add_argument("--full", action="store_true",
                            help="即使来源、程序和数据库都未变，也完整重新比对一遍。")

    def handle(self, *args, sources_dir: Path, manifests_dir: Path, overwrite: bool, dry_run: bool, full: bool,
               verbosity: int, **options):
        started = time.perf_counter()
        try:
            outcome = load_catalogue(sources_dir=sources_dir, manifests_dir=manifests_dir, overwrite=overwrite,
                                     dry_run=dry_run, full=full)
        except LoadError as exc:
            raise CommandError(_("载入失败，数据库未改动：%(error)s") % {"error": exc}) from exc
        elapsed = time.perf_counter() - started
        if verbosity < 1:
            return
        if outcome.up_to_date:
            self.stdout.write(self.style.SUCCESS(
                _("来源文件的校验和、载入程序和数据库都与上次完整载入时相同：无需载入（%(seconds).2f 秒）。")
                % {"seconds": elapsed}))
            return
        report = outcome.report
        if dry_run:
            self.stdout.write(self.style.WARNING(_("试运行：以下是会发生的改动，数据库未作任何改动。")))
        for label, tally in report.tallies.items():
            self.stdout.write(_("%(model)s：新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d，跳过 %(skipped)d")
                              % {"model": label, "created": tally.created, "updated": tally.updated,
                                 "unchanged": tally.unchanged, "skipped": tally.skipped})
        total = report.totals()
        self.stdout.write(
            _("合计：新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d，跳过 %(skipped)d，"
              "删除 %(deleted)d（%(seconds).1f 秒）")
            % {"created": total.created, "updated": total.updated, "unchanged": total.unchanged,
               "skipped": total.skipped, "deleted": len(report.deleted), "seconds": elapsed})
        if report.skipped:
            self.stdout.write(self.style.WARNING(
                _("%(count)d 条工作人员编辑过的记录未被覆盖：") % {"count": len(report.skipped)}))
            for line in report.skipped if verbosity >= 2 else report.skipped[:20]:
                self.stdout.write(f"  {line}")
        if verbosity >= 2 or dry_run:
            for line in report.deleted:
                self.stdout.write(_("  删除：%(record)s") % {"record": line})
        if dry_run:
            message = _("试运行结束：会有改动，但什么也没有写入。") if report.changed else \
                _("试运行结束：数据库已与来源文件一致，不会有改动。")
        elif report.changed:
            message = _("目录已载入。")
        else:
            message = _("没有改动：数据库已与来源文件一致。")
        self.stdout.write(self.style.SUCCESS(message))
