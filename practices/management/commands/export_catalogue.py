"""``manage.py export_catalogue``: a deterministic, natural-key JSON fixture."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from practices.fixture_export import catalogue_export_fixture


class Command(BaseCommand):
    help = "导出目录为 JSON fixture（自然键、确定性顺序、UTF-8、中文不转义）。"

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", type=Path, default=settings.FIXTURES_DIR / "catalogue.json",
                            help="输出文件路径，默认 fixtures/catalogue.json；'-' 表示标准输出。")

    def handle(self, *args, output: Path, verbosity: int, **options):
        text = catalogue_export_fixture()
        if str(output) == "-":
            self.stdout.write(text, ending="")
            return
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            # Always UTF-8: dumpdata -o would use the locale's encoding.
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}") from exc
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(f"Wrote {output} ({len(text.encode('utf-8'))} bytes)."))
