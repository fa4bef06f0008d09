"""``manage.py benchmark``: page, API, export and admin timings at several scales, on SQLite and PostgreSQL.

The work is in ``bench/`` (harness, measure, report); see docs/performance.md.
"""
from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench import harness, measure, report

PAGE_NAMES = ("home", "list", "list_category", "list_city", "list_category_city", "search_word", "search_phrase",
              "detail", "api_list", "api_filtered", "admin_changelist", "admin_search", "export_csv")


def _names(text: str, allowed: tuple[str, ...], what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise CommandError(f"unknown {what}: {', '.join(unknown) or '(none)'}; choose from {', '.join(allowed)}")
    return names


class Command(BaseCommand):
    help = (
        "基准测试：在 SQLite 和 PostgreSQL 上按规模（72 条真实数据、10k、100k）建立（并缓存）数据库，"
        "分别用测试客户端（进程内）和 gunicorn（HTTP）计时各页面、API、CSV 导出和后台，"
        "输出表格和 var/bench/results-<数据库>-<规模>.json。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--scales", default="72,10k,100k",
                            help="逗号分隔的规模（典型做法总条数），如 72,10k,100k；默认 72,10k,100k。")
        parser.add_argument("--databases", default="sqlite,postgresql",
                            help="逗号分隔的数据库：sqlite、postgresql（或 postgres）；默认两者。")
        parser.add_argument("--requests", type=int, default=50,
                            help="每个页面计时的请求数（进程内和 HTTP 各这么多），默认 50。")
        parser.add_argument("--export-requests", type=int, default=10,
                            help="CSV 导出计时的请求数（每次约 1 万行），默认 10。")
        parser.add_argument("--warmup", type=int, default=3, help="每个页面计时前的预热请求数，默认 3。")
        parser.add_argument("--page-budget", type=float, default=60.0,
                            help="每个页面每种方式（进程内、HTTP）计时的时间上限（秒），默认 60；超过后停止，"
                                 f"但至少计时 {measure.MIN_REQUESTS} 次（实际次数记在结果中）。")
        parser.add_argument("--no-http", action="store_true", help="不启动 gunicorn，只做进程内计时。")
        parser.add_argument("--no-datasette", action="store_true", help="即使安装了 Datasette 也不与之对比。")
        parser.add_argument("--gunicorn-workers", type=int, default=2, help="gunicorn 的工作进程数，默认 2。")
        parser.add_argument("--pages", default="",
                            help=f"只测这些页面（逗号分隔），可选：{', '.join(PAGE_NAMES)}；默认全部。")
        parser.add_argument("--seed", type=int, default=1, help="合成数据的随机种子，默认 1。")
        parser.add_argument("--rebuild", action="store_true", help="不用缓存，重建各规模的数据库。")
        parser.add_argument("--output-dir", type=Path, default=settings.BASE_DIR / "var" / "bench",
                            help="结果 JSON 的目录，默认 var/bench。")
        parser.add_argument("--data-dir", type=Path, default=None,
                            help="SQLite 数据库文件、构建记录和日志的目录，默认同 --output-dir。")
        parser.add_argument("--pg-url", default=harness.DEFAULT_PG_URL,
                            help="用于创建 PostgreSQL 基准数据库的维护连接，默认 "
                                 f"{harness.DEFAULT_PG_URL}；数据库名为 <前缀>_<规模>。")
        parser.add_argument("--db-prefix", default="bench",
                            help="基准数据库名前缀（bench → bench_10k、bench-10k.sqlite3），默认 bench。")
        parser.add_argument("--update-docs", action="store_true",
                            help="把结果写入 docs/performance.md 的生成段落（标记之间）。")
        parser.add_argument("--report-only", action="store_true",
                            help="不测量：只根据 --output-dir 中已有的结果 JSON 输出汇总（配合 --update-docs）。")
        parser.add_argument("--in-place", action="store_true",
                            help="直接测量当前数据库（不建库，不缓存），结果写入 --output-dir；编排进程也用它启动子进程。")
        parser.add_argument("--scale-label", default="", help="--in-place 时结果文件中的规模名，默认按典型做法条数。")
        parser.add_argument("--build-info", type=Path, default=None,
                            help="--in-place 时附入结果的构建记录 JSON（编排进程传入）。")

    def handle(self, *args, verbosity: int, **options):
        if options["requests"] < 1 or options["export_requests"] < 1 or options["warmup"] < 1:
            raise CommandError("--requests, --export-requests and --warmup must be at least 1.")
        if options["page_budget"] <= 0:
            raise CommandError("--page-budget must be positive.")
        pages = _names(options["pages"], PAGE_NAMES, "page") if options["pages"] else None
        output_dir: Path = options["output_dir"]
        try:
            if options["report_only"]:
                return self._report(output_dir, update_docs=options["update_docs"], verbosity=verbosity)
            if options["in_place"]:
                return self._in_place(options, pages, verbosity)
            return self._orchestrate(options, pages, verbosity)
        except (harness.BenchmarkError, measure.MeasureError, OSError) as exc:
            raise CommandError(str(exc)) from exc

    # -- modes ---------------------------------------------------------------
    def _write(self, verbosity: int, level: int = 1):
        def write(message: str) -> None:
            if verbosity >= level:
                self.stdout.write(message)
        return write

    def _in_place(self, options: dict, pages: list[str] | None, verbosity: int) -> None:
        output_dir: Path = options["output_dir"]
        output_dir.mkdir(parents=True, exist_ok=True)
        build = None
        if options["build_info"] and options["build_info"].exists():
            build = json.loads(options["build_info"].read_text(encoding="utf-8"))
        worker_options = measure.WorkerOptions(
            requests=options["requests"], export_requests=options["export_requests"], warmup=options["warmup"],
            http=not options["no_http"], datasette=not options["no_datasette"],
            gunicorn_workers=options["gunicorn_workers"], page_budget=options["page_budget"], pages=pages,
            scale_label=options["scale_label"],
            output_dir=output_dir, log_dir=options["data_dir"] or output_dir, build=build,
            progress=self._write(verbosity, 2),
        )
        from django.db import connection

        worker_options.engine_label = connection.vendor
        worker = measure.Worker(worker_options)
        try:
            if not worker_options.scale_label:
                from practices.models import Practice

                worker_options.scale_label = report.scale_label(Practice.objects.count())
            result = worker.run()
        finally:
            worker.close()
        path = report.results_path(output_dir, result["engine"], result["scale"]["label"])
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if verbosity >= 1:
            for line in report.text_table(result):
                self.stdout.write(line)
            self.stdout.write(f"Wrote {path}")

    def _orchestrate(self, options: dict, pages: list[str] | None, verbosity: int) -> None:
        try:
            scales = sorted({report.parse_scale(s) for s in options["scales"].split(",") if s.strip()})
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        aliases = {"postgres": "postgresql", "pg": "postgresql", "postgresql": "postgresql", "sqlite": "sqlite"}
        engines = []
        for name in _names(options["databases"], tuple(aliases), "database"):
            if aliases[name] not in engines:
                engines.append(aliases[name])
        if not scales:
            raise CommandError("--scales is empty.")
        output_dir: Path = options["output_dir"]
        harness_options = harness.HarnessOptions(
            scales=scales, engines=engines, base_dir=Path(settings.BASE_DIR), output_dir=output_dir,
            data_dir=options["data_dir"] or output_dir, requests=options["requests"],
            export_requests=options["export_requests"], warmup=options["warmup"], http=not options["no_http"],
            datasette=not options["no_datasette"], seed=options["seed"], pg_url=options["pg_url"],
            db_prefix=options["db_prefix"], rebuild=options["rebuild"], pages=pages,
            gunicorn_workers=options["gunicorn_workers"], page_budget=options["page_budget"], verbosity=verbosity,
        )
        results, failures = harness.run(harness_options, self._write(verbosity))
        if verbosity >= 1:
            for result in results:
                self.stdout.write("")
                for line in report.text_table(result):
                    self.stdout.write(line)
        self._report(output_dir, update_docs=options["update_docs"], verbosity=verbosity, tables=False)
        if failures:
            raise CommandError(f"{len(failures)} benchmark run(s) failed: " + " ; ".join(failures))

    def _report(self, output_dir: Path, *, update_docs: bool, verbosity: int, tables: bool = True) -> None:
        results = report.load_results(output_dir)
        if not results:
            raise CommandError(f"no results-*.json in {output_dir}")
        if tables and verbosity >= 1:
            for result in results:
                self.stdout.write("")
                for line in report.text_table(result):
                    self.stdout.write(line)
        summary = report.markdown_summary(results)
        summary_path = output_dir / "summary.md"
        summary_path.write_text(summary, encoding="utf-8")
        largest_pg = max((r["scale"]["practices"] for r in results if r["engine"] == "postgresql"), default=None)
        if largest_pg and verbosity >= 1:
            self.stdout.write("")
            self.stdout.write(f"Targets (PostgreSQL, {report.scale_label(largest_pg)}):")
            for row in report.evaluate(results, practices=largest_pg):
                verdict = "n/a " if row["ok"] is None else ("ok  " if row["ok"] else "MISS")
                measured = row["measured"] if row["measured"] is not None else row["note"]
                self.stdout.write(f"  {verdict} {row['page']:<20} {row['target']}: {measured}")
        if update_docs:
            docs = Path(settings.BASE_DIR) / "docs" / "performance.md"
            report.update_docs(docs, summary)
            if verbosity >= 1:
                self.stdout.write(f"Updated {docs}")
        if verbosity >= 1:
            self.stdout.write(f"Wrote {summary_path}")
