"""``manage.py generate_synthetic``: a deterministic synthetic catalogue for scale tests."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bench.synthetic import SyntheticError, synthetic_clear, synthetic_generate


class Command(BaseCommand):
    help = (
        "在真实目录之上添加确定性的合成目录（约 300 个城市、31 个省份、7 个类别），用于规模测试和基准测试。"
        "同一种子生成相同的数据；合成记录挂在来源文件 synthetic-seed-<种子>.txt 下。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--practices", type=int, default=0, metavar="N",
                            help="要生成的合成典型做法条数（每条 1–5 个城市段落；另按每 20 条生成 1 篇案例报道）。")
        parser.add_argument("--seed", type=int, default=1,
                            help="随机种子，默认 1；同一种子和同一真实目录总是生成相同的数据。")
        parser.add_argument("--clear", action="store_true",
                            help="先清除已有的全部合成数据（只给 --clear 不给 --practices 时只清除）。")
        parser.add_argument("--no-search-index", action="store_true",
                            help="不在结束时调用 practices.search.search_index_rebuild()（批量写入绕过了 save()）。")

    def handle(self, *args, practices: int, seed: int, clear: bool, no_search_index: bool, verbosity: int,
               **options):
        if practices < 0:
            raise CommandError("--practices 不能为负数。")
        if not clear and practices == 0:
            raise CommandError("请给出 --practices N（N ≥ 1），或用 --clear 清除合成数据。")
        rebuild = not no_search_index
        try:
            if clear:
                cleared = synthetic_clear(rebuild_search=rebuild)
                if verbosity >= 1:
                    if cleared.sources:
                        counts = ", ".join(f"{label} {n}" for label, n in cleared.deleted.items() if n)
                        self.stdout.write(f"Cleared {', '.join(cleared.sources)}: {counts} ({cleared.seconds:.1f} s)")
                    else:
                        self.stdout.write("No synthetic data to clear.")
                    if cleared.search_index:
                        self.stdout.write(cleared.search_index)
            if practices == 0:
                return

            def progress(stage: str, done: int, total: int) -> None:
                if verbosity >= 2:
                    self.stdout.write(f"  {stage}: {done}/{total}")

            result = synthetic_generate(practices=practices, seed=seed, progress=progress, rebuild_search=rebuild)
        except SyntheticError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity >= 1:
            self.stdout.write(
                f"Seed {result.seed}: practices {result.practices} (numbers {result.first_number}–"
                f"{result.last_number}), entries {result.entries}, metrics {result.metrics}, "
                f"case reports {result.case_reports}, related links {result.related}; "
                f"{result.cities} cities in {result.provinces} provinces "
                f"({result.cities_created} cities and {result.provinces_created} provinces created)."
            )
            if result.search_index:
                self.stdout.write(result.search_index)
            elif not rebuild:
                self.stdout.write("Search index not rebuilt (--no-search-index).")
            self.stdout.write(self.style.SUCCESS(
                f"Synthetic catalogue generated in {result.total_seconds:.1f} s "
                f"(records {result.seconds:.1f} s, search index {result.total_seconds - result.seconds:.1f} s)."
            ))
