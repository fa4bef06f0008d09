"""``manage.py warm_catalogue``: compute the busiest pages' figures now, before a visitor asks.

Staff edits warm them by themselves (practices/warming.py); run this after a
write that sends no signal (``loaddata``, ``update()``, raw SQL, a restore).
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from practices.warming import catalogue_warm


class Command(BaseCommand):
    help = "预先计算首页、列表、城市索引、API 文档等页面的统计数据（写入之后运行，访客不必等待）。"

    def handle(self, *args, verbosity: int, **options):
        try:
            timings = catalogue_warm()
        except DatabaseError as exc:
            raise CommandError(f"预先计算失败（数据库错误）：{exc}") from exc
        for name, seconds in timings:
            if verbosity >= 2:
                self.stdout.write(f"  {name}: {seconds:.2f} s")
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(
                f"Warmed {len(timings)} figures in {sum(seconds for _, seconds in timings):.1f} s."))
