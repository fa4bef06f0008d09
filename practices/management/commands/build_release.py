"""``manage.py build_release``: the versioned open-data zip (see practices.release)."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from practices.release import default_output_dir, release_write


class Command(BaseCommand):
    help = "生成开放数据发布包（zip：fixture、CSV/XLSX/JSON、编码手册和 SHA256SUMS；同样的数据生成相同的字节）。"

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Our --version names the release; "resolve" lets it replace Django's
        # --version (which only prints Django's own version).
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", type=Path, default=None,
                            help=f"输出目录，默认 {default_output_dir()}。")
        parser.add_argument("--version", dest="release_version", default=None,
                            help="版本号（字母、数字、点、下划线、连字符），默认由数据生成：最后修改日期-内容哈希。")

    def handle(self, *args, output_dir: Path | None, release_version: str | None, verbosity: int, **options):
        try:
            built, path = release_write(output_dir=output_dir, version=release_version)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"无法写入发布包：{exc.filename or output_dir}: {exc.strerror}") from exc
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(f"Wrote {path} ({len(built.data)} bytes, version {built.version})."))
