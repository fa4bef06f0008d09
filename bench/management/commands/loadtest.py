"""``manage.py loadtest``: gunicorn (production settings) under wrk with a URL mix, optionally through a
PostgreSQL restart. The work is in ``bench/loadtest/`` and ``bench/wrk/mix.lua``; see docs/reliability.md.
"""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench import loadtest


def _connections(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise CommandError(f"--connections: not a list of whole numbers: {text!r}") from exc
    if not values or any(value < 1 or value > 10_000 for value in values):
        raise CommandError(f"--connections: give numbers between 1 and 10000, not {text!r}")
    return values


class Command(BaseCommand):
    help = (
        "负载测试：用生产设置（DEBUG 关闭）在 127.0.0.1 的空闲端口启动 gunicorn，指向给定数据库，"
        "用 wrk 按各并发连接数施压（首页、筛选列表、搜索、详情页、API 的混合），"
        "可在运行中重启 PostgreSQL 并测量故障窗口和自动恢复时间；结果写入 var/loadtest/*.json。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--database-url", default=loadtest.DEFAULT_DATABASE_URL,
                            help=f"被测数据库的 DATABASE_URL，默认 {loadtest.DEFAULT_DATABASE_URL}"
                                 "（make bench 建立的 10 万条数据库）。")
        parser.add_argument("--connections", default=None,
                            help="逗号分隔的并发连接数，每个各跑一次 wrk；默认 "
                                 + ",".join(map(str, loadtest.DEFAULT_CONNECTIONS))
                                 + "（配合 --restart-postgres-at 时默认 16，且只能给一个）。")
        parser.add_argument("--duration", type=int, default=60, help="每个连接数的 wrk 运行秒数，默认 60。")
        parser.add_argument("--warmup", type=int, default=5,
                            help="正式计时前的预热秒数（以第一个连接数运行 wrk，不计入结果），默认 5；0 表示不预热。")
        parser.add_argument("--timeout", type=int, default=30,
                            help="wrk 的单个请求超时（秒），超过即计为超时错误，默认 30。")
        parser.add_argument("--worker-class", choices=("sync", "gthread"), default=loadtest.DEFAULT_WORKER_CLASS,
                            help=f"gunicorn 的 worker 类型，默认 {loadtest.DEFAULT_WORKER_CLASS}"
                                 "（依据见 docs/reliability.md）。")
        parser.add_argument("--workers", type=int, default=loadtest.DEFAULT_WORKERS,
                            help=f"gunicorn 的工作进程数，默认 {loadtest.DEFAULT_WORKERS}。")
        parser.add_argument("--threads", type=int, default=loadtest.DEFAULT_THREADS,
                            help=f"gthread 时每个工作进程的线程数，默认 {loadtest.DEFAULT_THREADS}（sync 时忽略）。")
        parser.add_argument("--gunicorn-timeout", type=int, default=30,
                            help="gunicorn 的 --timeout（秒）：请求处理超过它的 worker 会被杀掉重启，默认 30（同 make serve）。")
        parser.add_argument("--wrk-threads", type=int, default=None,
                            help="wrk 的线程数，默认为 min(连接数, CPU 核数)。")
        parser.add_argument("--scenario", choices=loadtest.SCENARIOS, default="mix",
                            help="热门 URL 集：mix（默认：首页、筛选列表、搜索、详情、API，未命中一侧另有 CSV 导出）；"
                                 "cached（列表、筛选列表、详情、城市页、首页、API 列表，全部命中页面缓存）；"
                                 "category-miss（只有 /practices/?category=…，关闭页面缓存）。")
        parser.add_argument("--hit-share", type=float, default=None,
                            help="页面缓存命中的请求占比（0–100），仅 mix：默认 80；0 表示关闭页面缓存"
                                 "（DJANGO_PAGE_CACHE=0），100 表示只请求热门集；其间每次 wrk 运行各用一个 URL 文件，"
                                 "其中 (100−P)%% 为只用一次的冷 URL。cached 固定 100，category-miss 固定 0。")
        parser.add_argument("--static-floor", action="store_true",
                            help="每个连接数先对一个静态文件（whitenoise）运行 wrk 同样时长，报告其吞吐和本站混合所占比例。")
        parser.add_argument("--datasette", action="store_true",
                            help="每个连接数再对 Datasette（同一 SQLite 文件，suggest_facets 关闭）的按类别表格页运行 wrk，"
                                 "报告本站吞吐与 Datasette 之比；只适用于 SQLite。")
        parser.add_argument("--url-safety", type=float, default=3.0,
                            help="冷 URL 文件的余量系数：行数 = 预热吞吐 × 时长 × 此系数，默认 3（保证 wrk 不绕回）。")
        parser.add_argument("--detail-pages", type=int, default=None,
                            help="热门集中详情页的不同序号个数（在全部序号上均匀分布），默认按场景（mix 38，cached 25）。")
        parser.add_argument("--seed", type=int, default=1, help="打乱 URL 顺序的随机种子，默认 1。")
        parser.add_argument("--conn-max-age", type=int, default=None,
                            help="设置 gunicorn 的 DJANGO_CONN_MAX_AGE（秒）；默认不设，即生产默认值（60）。")
        parser.add_argument("--restart-postgres-at", type=float, default=None,
                            help="在 wrk 运行开始后第几秒重启 PostgreSQL 集群（pg_ctlcluster … restart，需 root），"
                                 "并报告失败请求数、故障窗口和恢复时间；gunicorn 不重启。会断开其他所有客户端！")
        parser.add_argument("--restart-command", default=None,
                            help="重启 PostgreSQL 的命令（默认 "
                                 f"'{loadtest.RESTART_COMMAND}'，版本取自 /etc/postgresql）。")
        parser.add_argument("--label", default="",
                            help="结果文件名中的数据库名，默认由 DATABASE_URL 得出（如 postgresql-bench_100k）。")
        parser.add_argument("--note", default="",
                            help="附在结果中的说明（如“开发运行，机器上还有其他任务”），写入 JSON 和文档。")
        parser.add_argument("--output-dir", type=Path, default=Path(settings.BASE_DIR) / "var" / "loadtest",
                            help="结果 JSON、URL 列表和 gunicorn 日志的目录，默认 var/loadtest。")
        parser.add_argument("--update-docs", action="store_true",
                            help="把 --output-dir 中每个数据库、每种测试最新的结果写入 docs/reliability.md 的生成段落。")
        parser.add_argument("--report-only", action="store_true",
                            help="不运行：只根据 --output-dir 中已有的结果输出表格（配合 --update-docs）。")
        parser.add_argument("--write-urls", type=Path, default=None,
                            help="内部用：把当前数据库（DATABASE_URL）的 URL 混合写成 JSON 到此路径后退出；"
                                 "编排进程用它在指向被测数据库的子进程中取数据。")

    def handle(self, *args, verbosity: int, **options):
        for name in ("duration", "timeout", "workers", "threads", "gunicorn_timeout", "detail_pages"):
            if options[name] is not None and options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1.")
        if options["warmup"] < 0:
            raise CommandError("--warmup must not be negative.")
        if options["wrk_threads"] is not None and options["wrk_threads"] < 1:
            raise CommandError("--wrk-threads must be at least 1.")
        output_dir: Path = options["output_dir"]
        try:
            if options["write_urls"]:
                data = loadtest.write_url_file(options["write_urls"])
                if verbosity >= 1:
                    self.stdout.write(f"Wrote the facts of {data['facts']['practices_published']} practices "
                                      f"to {options['write_urls']}")
                return
            if options["report_only"]:
                results = loadtest.latest_results(output_dir)
                if not results:
                    raise CommandError(f"no loadtest-*.json in {output_dir}")
                self._report(results, update_docs=options["update_docs"], verbosity=verbosity)
                return
            result = self._run(options, verbosity)
        except (loadtest.LoadTestError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        path = loadtest.save(output_dir, result)
        self._report([result], update_docs=False, verbosity=verbosity)
        if verbosity >= 1:
            self.stdout.write(f"Wrote {path}")
        if options["update_docs"]:
            self._report(loadtest.latest_results(output_dir), update_docs=True, verbosity=0)
            if verbosity >= 1:
                self.stdout.write(f"Updated {self._docs_path()}")
        failures = [run for run in result["runs"] if run["requests"] == 0]
        if failures:
            raise CommandError("wrk completed no request at "
                               + ", ".join(f"{run['connections']} connections" for run in failures))

    def _run(self, options: dict, verbosity: int) -> dict:
        restart_at = options["restart_postgres_at"]
        if options["connections"] is None:
            connections = [16] if restart_at is not None else list(loadtest.DEFAULT_CONNECTIONS)
        else:
            connections = _connections(options["connections"])
        if restart_at is not None:
            if len(connections) != 1:
                raise CommandError("--restart-postgres-at restarts PostgreSQL once: give one --connections value.")
            if not 0 < restart_at < options["duration"]:
                raise CommandError("--restart-postgres-at must lie inside the run (0 < seconds < --duration).")
        scenario, hit_share = options["scenario"], options["hit_share"]
        fixed = loadtest.DEFAULT_HIT_SHARE[scenario]
        if hit_share is None:
            hit_share = fixed
        elif not 0 <= hit_share <= 100:
            raise CommandError("--hit-share must lie between 0 and 100.")
        elif scenario != "mix" and hit_share != fixed:
            raise CommandError(f"--scenario {scenario} has a hit share of {fixed} %: --hit-share applies to mix only.")
        if options["url_safety"] < 1:
            raise CommandError("--url-safety must be at least 1.")
        if options["datasette"] and not options["database_url"].startswith("sqlite:"):
            raise CommandError("--datasette needs a SQLite --database-url (Datasette serves SQLite files).")
        run_options = loadtest.LoadTestOptions(
            base_dir=Path(settings.BASE_DIR), output_dir=options["output_dir"],
            database_url=options["database_url"], connections=connections, duration=options["duration"],
            warmup=options["warmup"], timeout=options["timeout"], worker_class=options["worker_class"],
            workers=options["workers"], threads=options["threads"], gunicorn_timeout=options["gunicorn_timeout"],
            wrk_threads=options["wrk_threads"], detail_pages=options["detail_pages"], seed=options["seed"],
            conn_max_age=options["conn_max_age"], restart_postgres_at=restart_at,
            restart_command=options["restart_command"], label=options["label"], note=options["note"],
            scenario=scenario, hit_share=hit_share, static_floor=options["static_floor"],
            datasette=options["datasette"], url_safety=options["url_safety"],
            verbosity=verbosity,
        )
        return loadtest.run(run_options, self._writer(verbosity, 1), self._writer(verbosity, 2))

    def _writer(self, verbosity: int, level: int):
        def write(message: str) -> None:
            if verbosity >= level:
                for line in message.splitlines() or [""]:
                    self.stdout.write(line)
        return write

    def _docs_path(self) -> Path:
        return Path(settings.BASE_DIR) / "docs" / "reliability.md"

    def _report(self, results: list[dict], *, update_docs: bool, verbosity: int) -> None:
        if verbosity >= 1:
            for result in results:
                self.stdout.write("")
                self.stdout.write(f"{result['kind']} · {result['label']} · {result['started_at']}")
                for line in loadtest.text_table(result):
                    self.stdout.write(line)
                for run in result["runs"]:
                    if run.get("restart_analysis"):
                        for line in loadtest.restart_lines(run):
                            self.stdout.write(line)
                        if verbosity >= 2:
                            analysis = run["restart_analysis"]
                            low = int(analysis["restart_began_s"] or 0) - 3
                            high = int(analysis.get("last_failing_second") or low + 6) + 3
                            for line in loadtest.timeline_lines(run, (low, high)):
                                self.stdout.write(line)
        if update_docs:
            loadtest.update_docs(self._docs_path(), loadtest.markdown_section(results))
