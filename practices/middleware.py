"""A database that cannot be used right now gives a 503 page, never a 500 traceback or a half-written record.

``DatabaseUnavailableMiddleware`` turns the errors that mean "the database
is there but cannot serve us at the moment" into ``503 Service Unavailable``
with ``Retry-After``, the Chinese-first ``503.html`` page (or a short JSON
body for API clients), and one ERROR log line naming the path:

* SQLite: busy/locked, read-only (``attempt to write a readonly database``),
  disk or ``max_page_count`` full, I/O errors, a file that cannot be opened;
* PostgreSQL: every connection failure (refused, timed out, server gone),
  SQLSTATE classes 08 (connection), 53 (insufficient resources: disk full,
  too many connections), 57 (operator intervention: shutdown, statement
  timeout), 58 (system/I-O error), and 25006 (``cannot execute … in a
  read-only transaction``: a standby or a read-only database), 55P03 (lock
  not available), 40001/40P01 (serialisation failure, deadlock).

Everything else (integrity errors, programming errors, a missing table)
is a bug and stays a 500 so that it is noticed. The exception text is only
logged: it can name hosts, ports, files and SQL, so the public never sees it.

Writes are safe to refuse this way because every write path is atomic (the
admin's change views, imports and the services all run in one transaction):
the error rolls the transaction back, so the database is left as it was.

Where it sits: anywhere in ``MIDDLEWARE`` for errors raised by views (via
``process_exception``); it is placed near the top so that it also catches an
error raised by a middleware below it (a session that cannot be saved), which
Django has already turned into a 500 response by then.
"""
from __future__ import annotations

import logging
import sys

from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError
from django.db import OperationalError as DjangoOperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait before retrying (the ``Retry-After`` header).
RETRY_AFTER_SECONDS = 60
TEMPLATE_NAME = "503.html"

# SQLite primary result codes (sqlite3 exceptions carry them as ``sqlite_errorcode``).
SQLITE_UNAVAILABLE = {
    5: "SQLITE_BUSY",
    6: "SQLITE_LOCKED",
    8: "SQLITE_READONLY",
    10: "SQLITE_IOERR",
    13: "SQLITE_FULL",
    14: "SQLITE_CANTOPEN",
    15: "SQLITE_PROTOCOL",
}
# PostgreSQL SQLSTATE classes and codes (psycopg exceptions carry them as ``sqlstate``).
POSTGRES_UNAVAILABLE_CLASSES = ("08", "53", "57", "58")
POSTGRES_UNAVAILABLE_CODES = {"25006", "55P03", "40001", "40P01"}

_REQUEST_ATTRIBUTE = "_practices_database_unavailable"


def database_unavailable_reason(exc: BaseException | None) -> str | None:
    """A short log label (``SQLITE_READONLY``, ``SQLSTATE 25006``, ``connection``) if ``exc`` means
    the database cannot serve the request right now; None for any other exception."""
    if not isinstance(exc, DatabaseError | InterfaceError):
        return None
    driver = exc.__cause__ if exc.__cause__ is not None else exc
    code = getattr(driver, "sqlite_errorcode", None)
    if code is not None:
        return SQLITE_UNAVAILABLE.get(code & 0xFF)
    sqlstate = getattr(driver, "sqlstate", None) or getattr(driver, "pgcode", None)
    if sqlstate:
        if sqlstate[:2] in POSTGRES_UNAVAILABLE_CLASSES or sqlstate in POSTGRES_UNAVAILABLE_CODES:
            return f"SQLSTATE {sqlstate}"
        return None
    # No code at all: the driver could not reach or keep the server (refused, timed out, closed).
    if isinstance(exc, DjangoOperationalError | InterfaceError):
        return "connection"
    return None


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 answer: a problem document on the API's and the exports' addresses (their one error
    format), else the standalone page (no database, no context processors), or JSON for API clients."""
    from .problems import problem_response
    from .views.errors import is_open_data_path

    if is_open_data_path(request.path):
        response = problem_response(503, gettext("服务暂时不可用：数据库暂时无法访问，请稍后重试。"))
    elif not request.accepts("text/html") and request.accepts("application/json"):
        response = JsonResponse({"detail": gettext("服务暂时不可用：数据库暂时无法访问，请稍后重试。")}, status=503,
                                json_dumps_params={"ensure_ascii": False})
    else:
        html = loader.get_template(TEMPLATE_NAME).render({"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=503)
    _mark(response)
    return response


def _mark(response: HttpResponse) -> None:
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # Never cached by a proxy: the page must go away as soon as the database is back.
    response["Cache-Control"] = "no-store"


def _log(request: HttpRequest, exc: BaseException, reason: str) -> None:
    logger.error("Database unavailable (%s) on %s %s: %s: %s", reason, request.method, request.path,
                 type(exc).__name__, exc, exc_info=(type(exc), exc, exc.__traceback__))


def _note_uncaught_exception(sender, request=None, **kwargs) -> None:
    """got_request_exception: remember a database error that a middleware raised (see the module docstring)."""
    exc = sys.exc_info()[1]
    if request is not None and database_unavailable_reason(exc):
        setattr(request, _REQUEST_ATTRIBUTE, exc)


got_request_exception.connect(_note_uncaught_exception, dispatch_uid="practices.database_unavailable")


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After when the database is unavailable or refuses a write; log it at ERROR."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        exc = getattr(request, _REQUEST_ATTRIBUTE, None)
        if exc is not None and response.status_code == 500:
            # A middleware below raised it; Django rendered 500.html already. Keep the headers the other
            # middlewares set (CSP, X-Frame-Options, …) and replace status and body.
            _log(request, exc, database_unavailable_reason(exc))
            replacement = unavailable_response(request)
            response.status_code = 503
            response["Content-Type"] = replacement["Content-Type"]
            response.content = replacement.content
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
            _mark(response)
        return response

    def process_exception(self, request, exception):
        reason = database_unavailable_reason(exception)
        if reason is None:
            return None
        _log(request, exception, reason)
        return unavailable_response(request)
