"""Large confirmed imports run as a background job (django-tasks, database backend) with a progress page."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from practices.import_jobs import import_job_progress
from practices.models import Practice, Status

from .test_admin_import import EDITOR, confirm, csv_bytes, database_state, practice_row, upload


@pytest.fixture
def editor(staff_user):
    return staff_user(EDITOR)


@pytest.fixture
def small_threshold(settings):
    settings.IMPORT_BACKGROUND_ROWS = 2


def new_rows(first: int, count: int) -> list[str]:
    return [practice_row(number, name=f"后台导入做法{number}", status="draft", cities="青岛市",
                         entries=f"【青岛市】第{number}项的做法。") for number in range(first, first + count)]


@pytest.fixture
def run_worker(monkeypatch):
    """Run the real worker (``manage.py db_worker --batch``) until the queue is empty.

    The worker closes "old" database connections between tasks; inside a test's transaction that
    is the test's own connection (PostgreSQL would lose the test's data), so here it keeps it.
    """
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    return lambda: call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def job_page(response) -> str:
    assert response.redirect_chain, "the confirm should redirect to the job page"
    return response.redirect_chain[-1][0]


def test_a_large_confirm_is_queued_then_the_worker_imports_it(client, catalogue, editor, small_threshold, run_worker):
    client.force_login(editor)
    before = database_state()
    queued = confirm(client, "practice", upload(client, "practice", csv_bytes(*new_rows(73, 3))))
    url = job_page(queued)
    assert "/import-jobs/" in url
    html = queued.content.decode()
    # Queued: nothing written yet, and the page says so and refreshes itself.
    assert database_state() == before
    assert "排队中" in html and 'http-equiv="refresh"' in html and "0 / 3" in html

    run_worker()

    done = client.get(url).content.decode()
    assert "完成" in done and "新增 3 条" in done and 'http-equiv="refresh"' not in done
    practices = Practice.objects.filter(number__in=[73, 74, 75])
    assert practices.count() == 3 and {p.status for p in practices} == {Status.DRAFT}
    # History as a confirm in the request writes it: the importing user, and the import as the reason.
    record = Practice.objects.get(number=74).history.get()
    assert record.history_user == editor and "导入" in record.history_change_reason
    job_id = url.rstrip("/").rsplit("/", 1)[1]
    assert import_job_progress(job_id=job_id)["done"] == 3


def test_a_job_with_a_bad_row_writes_nothing_and_names_the_row(client, catalogue, editor, small_threshold, run_worker):
    client.force_login(editor)
    rows = new_rows(73, 3)
    preview = upload(client, "practice", csv_bytes(*rows))
    # Between preview and the job, the city of every row disappears: the job must roll back.
    from practices.models import City

    before = database_state()
    queued = confirm(client, "practice", preview)
    City.objects.filter(name="青岛市").update(name="青岛市（改名）")
    run_worker()
    html = client.get(job_page(queued)).content.decode()
    assert "导入失败，数据库未作任何改动" in html and "第 1 行" in html
    assert not Practice.objects.filter(number__in=[73, 74, 75]).exists()
    assert database_state()[0] == before[0]


def test_a_small_confirm_still_runs_in_the_request(client, catalogue, editor, small_threshold):
    client.force_login(editor)
    done = confirm(client, "practice", upload(client, "practice", csv_bytes(*new_rows(73, 2))))
    assert not any("/import-jobs/" in url for url, _ in done.redirect_chain)
    assert Practice.objects.filter(number__in=[73, 74]).count() == 2


def test_the_job_page_needs_the_import_permission_and_a_real_job(client, catalogue, editor, user_factory,
                                                                  small_threshold):
    client.force_login(editor)
    url = job_page(confirm(client, "practice", upload(client, "practice", csv_bytes(*new_rows(73, 3)))))
    assert client.get(reverse("admin:practices_practice_import_job", args=["no-such-job"])).status_code == 404
    client.force_login(user_factory(is_staff=True))
    assert client.get(url).status_code == 403
