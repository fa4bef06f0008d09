"""Error pages in the site's layout and language: 400, 403, 404 and 429 with navigation and search.

Wired as ``handler400``/``handler403``/``handler404``/``handler500`` in the
root URLconf. The 4xx pages render ``<status>.html`` (which extend the base
layout) with the request context, so the language switcher, the navigation
and the search box work there too; they run no query of their own. The 500
page stays standalone: ``500.html`` is rendered with no request and no context
processors, as Django's own handler does, so that a failing database or
context processor cannot break the page that reports the failure. (The 503
page of ``practices.middleware`` is standalone for the same reason.)
"""

from __future__ import annotations

import re

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.urls import Resolver404
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import requires_csrf_token

from ..params import requested_language, shown_value
from ..problems import problem_response

# The exports' addresses (practices/open_data_urls.py), any format: a program follows them too.
EXPORT_PATH = re.compile(r"^/(?:practices|case-reports|metrics)/export\.[^/]*$")


def is_open_data_path(path: str) -> bool:
    """True for the API's and the exports' addresses, whose errors are problem documents."""
    return (path.startswith("/api/") and not path.startswith("/api/docs/")) or bool(EXPORT_PATH.match(path))


def _problem(request: HttpRequest, status: int, detail, headers: dict | None = None) -> HttpResponse:
    language, _problem_ = requested_language(request.GET)
    with translation.override(language):
        response = problem_response(status, str(detail), headers=headers)
    response["Content-Language"] = language
    return response


def _detail(exception: Exception | None) -> str:
    """The message a view gave its Http404 (e.g. "没有这个典型做法"), for the reader.

    Only the project's own Http404 messages are shown: the resolver's (a dict
    naming the URL patterns) and any other exception text stay private.
    """
    if isinstance(exception, Http404) and not isinstance(exception, Resolver404) and exception.args:
        message = exception.args[0]
        if isinstance(message, str):
            return message
    return ""


def _render(
    request: HttpRequest,
    template_name: str,
    response_class: type[HttpResponse],
    exception: Exception | None = None,
    **context,
) -> HttpResponse:
    html = loader.render_to_string(
        template_name, {"request_path": request.path, "detail": _detail(exception), **context}, request
    )
    return response_class(html)


@requires_csrf_token  # the language switcher's form needs a token even on an error page
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_open_data_path(request.path):
        return _problem(request, 400, _("请求有误。"))
    return _render(request, "400.html", HttpResponseBadRequest)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_open_data_path(request.path):
        return _problem(request, 403, _("禁止访问。"))
    return _render(request, "403.html", HttpResponseForbidden)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_open_data_path(request.path):
        language, _problem_ = requested_language(request.GET)
        with translation.override(language):
            detail = _detail(exception) or gettext("没有这个地址：%(path)s。") % {"path": shown_value(request.path, limit=100)}
            response = problem_response(404, detail)
        response["Content-Language"] = language
        return response
    return _render(request, "404.html", HttpResponseNotFound, exception)


@requires_csrf_token
def too_many_requests(
    request: HttpRequest, exception: Exception | None = None, retry_after: int | None = None
) -> HttpResponse:
    """429 for any rate limit (the login lockout has its own page, practices/locked_out.html)."""
    if is_open_data_path(request.path):
        return _problem(request, 429, _("请求过于频繁，请稍后重试。"),
                        headers={"Retry-After": str(retry_after)} if retry_after else None)
    response = _render(request, "429.html", HttpResponse, retry_after=retry_after)
    response.status_code = 429
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """500: the standalone page, rendered without the request (no context processors, no database)."""
    if is_open_data_path(request.path):
        return _problem(request, 500, _("服务器内部错误，已记录，请稍后重试。"))
    return HttpResponseServerError(loader.get_template("500.html").render())
