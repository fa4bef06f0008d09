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
from django.views.decorators.csrf import requires_csrf_token


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
    return _render(request, "400.html", HttpResponseBadRequest)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "403.html", HttpResponseForbidden)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "404.html", HttpResponseNotFound, exception)


@requires_csrf_token
def too_many_requests(
    request: HttpRequest, exception: Exception | None = None, retry_after: int | None = None
) -> HttpResponse:
    """429 for any rate limit (the login lockout has its own page, practices/locked_out.html)."""
    response = _render(request, "429.html", HttpResponse, retry_after=retry_after)
    response.status_code = 429
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """500: the standalone page, rendered without the request (no context processors, no database)."""
    return HttpResponseServerError(loader.get_template("500.html").render())
