"""Import and export in the admin: ``CatalogueAdmin`` (HistoryAdmin plus django-import-export).

The Resources of ``practices.resources`` define the columns: CSV/XLSX/JSON,
a dry-run preview, one transaction (rolled back on any row error), GB18030
CSV, a downloadable template, exports that follow the changelist's filters.
Large confirmed files run as a background job (``import_jobs``); the preview
of a file that large says so, with an estimate of the time, before anyone
confirms. A confirm that fails names the rows and says why, in one message.
"""
from __future__ import annotations

import re

import tablib
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils import timezone
from django.utils.safestring import mark_safe
from import_export.admin import ImportExportMixin

from .. import resources
from .base import HistoryAdmin
from .exporting import ChineseExportForm
from .import_jobs import BackgroundImportMixin

#: rows per second a confirm is estimated at (measured: 1,200–1,900 rows per CPU second, bench/import_rate.py)
CONFIRM_ROWS_PER_SECOND = 1000
#: rows of an invalid confirm listed in its message (the rest are counted)
LISTED_ROWS = 5


_STYLE_ATTRIBUTE = re.compile(r'\s+style="[^"]*"')


def _unstyled(html):
    if not isinstance(html, str):
        return html
    return mark_safe(_STYLE_ATTRIBUTE.sub("", html))  # removes attributes from already-escaped HTML only



class CatalogueAdmin(BackgroundImportMixin, ImportExportMixin, HistoryAdmin):
    """HistoryAdmin plus import and export through ``practices.resources``."""

    import_export_change_list_template = "admin/practices/change_list.html"
    import_template_name = "admin/practices/import.html"
    export_template_name = "admin/practices/export.html"
    export_form_class = ChineseExportForm
    import_error_display = ("message", "row")
    skip_import_confirm = False

    def get_import_formats(self):
        return list(resources.FORMATS)

    def get_export_formats(self):
        return list(resources.FORMATS)

    def get_resource_kwargs(self, request, *args, **kwargs):
        # Staff see and export drafts too; the user decides what the import may do (publish, verify, delete).
        return {"published_only": False, "user": request.user}

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        # One transaction: any invalid row rolls the whole import back.
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def import_action(self, request, *args, **kwargs):
        response = super().import_action(request, *args, **kwargs)
        result = getattr(response, "context_data", {}).get("result") if hasattr(response, "context_data") else None
        if result is not None and not (result.has_errors() or result.has_validation_errors()):
            self._large_file_notice(request, result.total_rows)
        if result is not None:
            # The preview's diffs come from diff-match-patch with inline styles, which the CSP
            # blocks; the same colours come from practices/admin.css (.import-preview ins/del).
            for row in result.rows:
                row.diff = [_unstyled(cell) for cell in (row.diff or [])]
        return response

    def _large_file_notice(self, request, rows: int) -> None:
        """Before the confirm: a file that runs as a background job says so, with an estimate of the time."""
        threshold = getattr(settings, "IMPORT_BACKGROUND_ROWS", None)
        if threshold is None or rows <= threshold:
            return
        seconds = max(1, round(rows / CONFIRM_ROWS_PER_SECOND))
        estimate = f"约 {seconds} 秒" if seconds < 120 else f"约 {round(seconds / 60)} 分钟"
        self.message_user(
            request,
            f"这个文件有 {rows:,} 行，超过 {threshold:,} 行：确认导入后会作为后台任务运行，预计需要{estimate}。"
            "确认后会打开进度页，可以离开稍后再看；完成之前网站上看不到任何改动，任何一行出错则全部不写入。",
            messages.WARNING,
        )

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, resources.ImportDecodeError):
            form.add_error("import_file", str(e))
            return
        form.add_error("import_file", f"无法读取文件（{type(e).__name__}）：请确认选择的格式与文件一致（CSV、XLSX 或 JSON）。")

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # Only reachable when the data changed between preview and confirm: nothing was written.
            self.message_user(request, f"导入失败，数据库未作任何改动{_failed_rows(result)}：请重新上传文件查看预览中的错误。",
                              messages.ERROR)
            return HttpResponseRedirect(self._url("import"))
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        totals = result.totals
        self.message_user(
            request,
            f"导入完成：新增 {totals['new']} 条，更新 {totals['update']} 条，删除 {totals['delete']} 条，"
            f"未变 {totals['skip']} 条（{self.opts.verbose_name_plural}）。",
            messages.SUCCESS,
        )

    def get_export_filename(self, request, queryset, file_format):
        return f"{self.opts.model_name}-{timezone.localdate():%Y-%m-%d}.{file_format.get_extension()}"

    def get_import_context_data(self, **kwargs):
        resource = self.get_import_resource_classes(None)[0](published_only=False)
        return {
            "template_links": [(fmt, self._url("import_template", fmt)) for fmt in ("csv", "xlsx")],
            "required_columns": resource.required_columns(),
            "optional_columns": list(resource.optional_columns),
            **super().get_import_context_data(**kwargs),
        }

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("import-template.<str:fmt>", self.admin_site.admin_view(self.import_template_view),
                 name=f"{info}_import_template"),
            *super().get_urls(),
        ]

    def import_template_view(self, request, fmt: str):
        """An empty file with the import columns (the same as an export's), to fill in."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        formats = {"csv": resources.CSV, "xlsx": resources.XLSX}
        if fmt not in formats:
            raise Http404("只有 CSV 和 XLSX 模板")
        resource_class = self.get_import_resource_classes(request)[0]
        dataset = tablib.Dataset(headers=resource_class(published_only=False).column_names())
        file_format = formats[fmt]()
        response = HttpResponse(file_format.export_data(dataset), content_type=file_format.get_content_type())
        response["Content-Disposition"] = f'attachment; filename="{self.opts.model_name}-template.{fmt}"'
        return response


def _failed_rows(result) -> str:
    """"（第 2 条记录：原因；…）": the rows of a failed confirm and why, the first LISTED_ROWS of them."""
    failed = [(row.number, "；".join(row.error.messages)) for row in result.invalid_rows]
    failed += [(row.number, "；".join(str(error.error) for error in row.errors)) for row in result.error_rows]
    if not failed:
        return ""
    shown = "；".join(f"第 {number} 条记录（表格第 {number + 1} 行）：{why}" for number, why in failed[:LISTED_ROWS])
    more = f"；另有 {len(failed) - LISTED_ROWS} 条" if len(failed) > LISTED_ROWS else ""
    return f"（{shown}{more}）"
