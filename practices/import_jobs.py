"""Spreadsheet imports too big for one request run as a background job (issue 15).

The admin's confirm step imports inside the request. A file of more than
``settings.IMPORT_BACKGROUND_ROWS`` rows is handed to :func:`spreadsheet_import_run`
instead, a task of Django's tasks API (the ``django-tasks`` backport, database
backend: the job is a row of ``django_tasks_db``, run by ``manage.py db_worker``),
and staff watch a progress page (``practices/admin/import_jobs.py``).

The job does what the confirm does, through the same ModelAdmin methods (the
resource and its kwargs, the ``import_data`` kwargs, the admin log entries), so it
is all or nothing in the same way: one transaction, rolled back on any invalid
row, with history entries for the importing user.  The uploaded file stays where
the preview stored it (``IMPORT_EXPORT_TMP_STORAGE_CLASS``: the default cache,
shared by the web and worker processes) until the job has read it.

Progress (rows done of rows in the file) goes to the ``jobs`` cache, not to the
database: the import's own transaction would hide it until the commit.
"""
from __future__ import annotations

import time
from types import SimpleNamespace

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.http import HttpRequest
from django_tasks import task
from import_export.signals import post_import

# Write progress every this many rows: often enough for a page that refreshes every 2 s.
PROGRESS_EVERY = 200
# Kept long enough for staff to come back to the page the next day.
PROGRESS_TIMEOUT = 7 * 24 * 3600
# The failed rows a finished job lists (the preview lists them all).
LISTED_ERRORS = 20


def import_job_needed(*, rows: int) -> bool:
    """True when a confirmed import of ``rows`` rows should run as a background job."""
    return rows > settings.IMPORT_BACKGROUND_ROWS


def import_job_progress(*, job_id: str) -> dict:
    """{"done": rows imported so far, "total": rows in the file, "started": epoch seconds} or {}."""
    return caches["jobs"].get(_progress_key(job_id)) or {}


def import_job_enqueue(*, model, import_file_name: str, original_file_name: str, format_index: int,
                       resource_index: int, user, rows: int) -> str:
    """Queue the import of a previewed file; returns the job id (the progress page's address)."""
    result = spreadsheet_import_run.enqueue(
        model_label=model._meta.label,
        import_file_name=import_file_name,
        original_file_name=original_file_name,
        format_index=format_index,
        resource_index=resource_index,
        user_id=user.pk,
        rows=rows,
    )
    caches["jobs"].set(_progress_key(result.id), {"done": 0, "total": rows}, PROGRESS_TIMEOUT)
    return str(result.id)


def import_job_result(*, job_id: str):
    """The job's TaskResult (status, return value), or None for an unknown id."""
    from django_tasks.exceptions import TaskResultDoesNotExist

    try:
        return spreadsheet_import_run.get_result(job_id)
    except (TaskResultDoesNotExist, ValueError):
        return None


@task(takes_context=True)
def spreadsheet_import_run(context, *, model_label: str, import_file_name: str, original_file_name: str,
                           format_index: int, resource_index: int, user_id: int, rows: int) -> dict:
    """Import a previewed file as its ModelAdmin's confirm step would; returns a JSON-able summary."""
    job_id = str(context.task_result.id)
    model = apps.get_model(model_label)
    model_admin = admin.site.get_model_admin(model)
    user = get_user_model().objects.get(pk=user_id)
    # The ModelAdmin's hooks take a request; the job's stands for the staff member who confirmed.
    request = HttpRequest()
    request.method, request.user = "POST", user
    form = SimpleNamespace(cleaned_data={
        "resource": str(resource_index), "format": str(format_index),
        "import_file_name": import_file_name, "original_file_name": original_file_name,
    })
    input_format = model_admin.get_import_formats()[format_index](encoding=model_admin.from_encoding)
    storage = model_admin.get_tmp_storage_class()(
        name=import_file_name,
        encoding=None if input_format.is_binary() else model_admin.from_encoding,
        read_mode=input_format.get_read_mode(),
        **model_admin.get_tmp_storage_class_kwargs(),
    )
    data = storage.read()
    if data is None:
        return _finish(job_id, rows, ok=False, errors=["上传的文件已过期或已被处理，请重新上传。"])
    dataset = input_format.create_dataset(data)
    resource = model_admin.choose_import_resource_class(form, request)(
        **model_admin.get_import_resource_kwargs(request, form=form))
    _count_rows(resource, job_id=job_id, total=len(dataset))
    import_kwargs = model_admin.get_import_data_kwargs(request=request, form=form)
    import_kwargs["retain_instance_in_row_result"] = True  # for the admin log, as the confirm does
    result = resource.import_data(dataset, dry_run=False, file_name=original_file_name, user=user, **import_kwargs)
    if result.has_errors() or result.has_validation_errors():
        return _finish(job_id, len(dataset), ok=False, errors=_row_errors(result))
    model_admin.generate_log_entries(result, request)
    post_import.send(sender=None, model=model)
    storage.remove()
    return _finish(job_id, len(dataset), ok=True, totals=dict(result.totals))


def _progress_key(job_id) -> str:
    return f"import-job:{job_id}"


def _progress_set(job_id: str, **values) -> None:
    key = _progress_key(job_id)
    caches["jobs"].set(key, {**(caches["jobs"].get(key) or {}), **values}, PROGRESS_TIMEOUT)


def _count_rows(resource, *, job_id: str, total: int) -> None:
    """Record progress as the resource imports rows (wraps this one instance's ``after_import_row``)."""
    _progress_set(job_id, done=0, total=total, started=time.time())
    done = 0
    after_import_row = resource.after_import_row

    def counted(row, row_result, **kwargs):
        nonlocal done
        after_import_row(row, row_result, **kwargs)
        done += 1
        if done % PROGRESS_EVERY == 0 or done == total:
            _progress_set(job_id, done=done)

    resource.after_import_row = counted


def _row_errors(result) -> list[str]:
    """One line per failed row, naming the row, as the preview would (at most LISTED_ERRORS)."""
    lines = []
    for row in result.invalid_rows:
        messages = "；".join(f"{field}：{'，'.join(map(str, errors))}" for field, errors in row.error_dict.items())
        lines.append(f"第 {row.number} 行：{messages}")
    for number, errors in result.row_errors():
        lines.append(f"第 {number} 行：{'；'.join(str(error.error) for error in errors)}")
    lines.extend(f"{error.error}" for error in result.base_errors)
    return lines[:LISTED_ERRORS]


def _finish(job_id: str, total: int, *, ok: bool, totals: dict | None = None, errors: list | None = None) -> dict:
    summary = {"ok": ok, "rows": total, "totals": totals or {}, "errors": errors or []}
    _progress_set(job_id, finished=time.time(), **({"done": total} if ok else {}))
    return summary
