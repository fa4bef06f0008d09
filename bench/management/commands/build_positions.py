"""``manage.py build_positions``: rebuild the map's committed city positions from cpca's gazetteer."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from bench.generated_files import write_or_check
from practices.importer.places import gazetteer_positions
from practices.maps import POSITIONS_PATH


def positions_text() -> str:
    """The file's text: one division a line, in code order, so that a change reads as a small diff."""
    rows = [f"{json.dumps(code)}: {json.dumps(position)}" for code, position in gazetteer_positions().items()]
    return "{\n" + ",\n".join(rows) + "\n}\n"


class Command(BaseCommand):
    help = ("从 cpca 的行政区划表重新生成地图用的城市坐标文件 practices/data/city-positions.json"
            "（网站进程读这个文件，不导入 cpca）。生成的文件需要提交；--check 只比较，不写入。")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="只检查已提交的文件是否与当前安装的 cpca 一致；不一致时以非零状态退出。")

    def handle(self, *args, check: bool, **options):
        self.stdout.write(write_or_check(POSITIONS_PATH, positions_text(), check=check, source="cpca",
                                         command="build_positions"))
