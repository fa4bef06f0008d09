"""Confirmed imports of large files run as a background job; staff follow it on a progress page.

The job itself is practices/import_jobs.py.  This mixin only decides, at the confirm
step, whether the file goes to a job (more than ``IMPORT_BACKGROUND_ROWS`` rows) and
serves the job's page: queued, running (rows done of rows, elapsed, an estimate),
finished (the counts) or failed (the rows that failed; nothing was written).
"""
from __future__ import annotations

import time

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from ..import_jobs import import_job_enqueue, import_job_needed, import_job_progress, import_job_result

# The page refreshes itself while the job is queued or running (a meta refresh: no script, no CSP change).
REFRESH_SECONDS = 2

STATUS_LABELS = {"READY": "排队中：等待后台任务进程", "RUNNING": "正在导入", "SUCCESSFUL": "完成",
                 "FAILED": "失败", "CANCELLED": "已取消"}


class BackgroundImportMixin:
    """For an ImportMixin ModelAdmin: large confirms become jobs; adds the job page's URL."""

    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if confirm_form.is_valid():
            data = confirm_form.cleaned_data
            format_index = int(data["format"])
            input_format = self.get_import_formats()[format_index](encoding=self.from_encoding)
            storage = self.get_tmp_storage_class()(
                name=data["import_file_name"],
                encoding=None if input_format.is_binary() else self.from_encoding,
                read_mode=input_format.get_read_mode(),
                **self.get_tmp_storage_class_kwargs(),
            )
            stored = storage.read()
            rows = len(input_format.create_dataset(stored)) if stored is not None else 0
            if import_job_needed(rows=rows):
                job_id = import_job_enqueue(
                    model=self.model, import_file_name=data["import_file_name"],
                    original_file_name=data.get("original_file_name") or "", format_index=format_index,
                    resource_index=int(data.get("resource") or 0), user=request.user, rows=rows,
                )
                return HttpResponseRedirect(reverse(f"admin:{self._job_url_name()}", args=[job_id]))
        return super().process_import(request, **kwargs)

    def get_urls(self):
        return [
            path("import-jobs/<str:job_id>/", self.admin_site.admin_view(self.import_job_view),
                 name=self._job_url_name()),
            *super().get_urls(),
        ]

    def _job_url_name(self) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_import_job"

    def import_job_view(self, request, job_id: str):
        if not self.has_import_permission(request):
            raise PermissionDenied
        result = import_job_result(job_id=job_id)
        if result is None or result.task.name != "spreadsheet_import_run":
            raise Http404("没有这个导入任务")
        status = str(getattr(result.status, "value", result.status))
        progress = import_job_progress(job_id=job_id)
        summary = result.return_value if status == "SUCCESSFUL" else None
        elapsed = (progress.get("finished") or time.time()) - progress["started"] if "started" in progress else None
        done, total = progress.get("done", 0), progress.get("total", 0)
        remaining = elapsed / done * (total - done) if elapsed and done and status == "RUNNING" else None
        context = {
            **self.admin_site.each_context(request),
            "title": f"导入任务（{self.opts.verbose_name_plural}）",
            "opts": self.opts,
            "status": status,
            "status_label": STATUS_LABELS.get(status, status),
            "running": status in ("READY", "RUNNING"),
            "refresh_seconds": REFRESH_SECONDS,
            "done": done,
            "total": total,
            "elapsed": round(elapsed, 1) if elapsed is not None else None,
            "remaining": round(remaining) if remaining is not None else None,
            "summary": summary,
            # A crash (not an invalid row): the worker's traceback stays in the log, not on the page.
            "crashed": status == "FAILED",
            "changelist_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"),
        }
        return TemplateResponse(request, "admin/practices/import_job.html", context)
