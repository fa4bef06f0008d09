"""``manage.py create_staff_user``: a staff account in the 编辑 or 审核 role, without prompts."""
from __future__ import annotations

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from practices.services import ROLES, staff_user_create

DEFAULT_PASSWORD_ENV = "STAFF_PASSWORD"


class Command(BaseCommand):
    help = (
        "创建工作人员账号并加入角色组（编辑或审核）。不交互：密码从环境变量读取"
        f"（默认 {DEFAULT_PASSWORD_ENV}，可用 --password-env 指定变量名）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True, help="登录用户名（必填）。")
        parser.add_argument("--group", required=True, choices=ROLES,
                            help="角色组：编辑（新增和修改，不能删除）或 审核（另可发布、撤回和核实指标）。")
        parser.add_argument("--email", default="", help="电子邮箱（可选）。")
        parser.add_argument("--password-env", default=DEFAULT_PASSWORD_ENV, metavar="NAME",
                            help=f"存放密码的环境变量名，默认 {DEFAULT_PASSWORD_ENV}。密码不能写在命令行上。")

    def handle(self, *args, username: str, group: str, email: str, password_env: str, **options):
        password = os.environ.get(password_env, "")
        if not password:
            raise CommandError(f"环境变量 {password_env} 未设置或为空：请把密码放在其中（或用 --password-env 指定变量名）。")
        try:
            user = staff_user_create(username=username, email=email, password=password, group=group)
        except ValidationError as exc:
            raise CommandError("未创建用户：" + "；".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"已创建工作人员 {user.username}（角色：{group}）。"))
