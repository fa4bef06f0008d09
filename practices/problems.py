"""One error format for the API and the exports: RFC 9457 ``application/problem+json``.

Every error of ``/api/…`` and of the downloads (``/practices/export.csv`` …)
has the same body, whatever its status (400, 404, 405, 406, 429, 503)::

    {"type": "about:blank", "title": "请求参数无效", "status": 400,
     "detail": "参数 page_size 的值无效。", "invalid_params": [{"name": "page_size", "reason": "…"}]}

``type`` is ``about:blank``: the status says what kind of problem it is, and
``title`` is that status's phrase. ``detail`` says what happened to this
request and ``invalid_params`` names each refused query parameter
(empty when none was). The text is in the response's language: Chinese, or
English with ``?lang=en`` (``practices.params.requested_language``).

The API gets it from ``exception_handler`` (REST framework's
EXCEPTION_HANDLER), the exports and the error views of those paths from
``problem_response``.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .middleware import RETRY_AFTER_SECONDS, database_unavailable_reason
from .params import InvalidParam, invalid_params_sentence

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE = "about:blank"

# The status phrases, in the response's language (RFC 9457: with about:blank, the title is the phrase).
TITLES = {
    400: _("请求参数无效"),
    403: _("禁止访问"),
    404: _("未找到"),
    405: _("不支持这个请求方法"),
    406: _("无法提供所要求的格式"),
    429: _("请求过于频繁"),
    500: _("服务器内部错误"),
    503: _("服务暂时不可用"),
}


def problem_body(status: int, detail: str, invalid_params: Iterable[InvalidParam] = ()) -> dict:
    """The problem document for ``status``: type, title, status, detail, invalid_params."""
    title = TITLES.get(status)
    return {
        "type": PROBLEM_TYPE,
        "title": str(title) if title is not None else HTTPStatus(status).phrase,
        "status": status,
        "detail": str(detail),
        "invalid_params": [param.as_dict() for param in invalid_params],
    }


def problem_response(status: int, detail: str, invalid_params: Iterable[InvalidParam] = (), *,
                     headers: dict[str, str] | None = None) -> HttpResponse:
    """A plain Django response carrying the problem document (for views outside REST framework)."""
    body = json.dumps(problem_body(status, detail, invalid_params), ensure_ascii=False, separators=(",", ":"))
    response = HttpResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE, headers=headers)
    return response


def unavailable_problem(request, exc: BaseException, reason: str) -> HttpResponse:
    """503 with Retry-After, logged like practices.middleware's page, for a database that cannot serve now."""
    logger.error("Database unavailable (%s) on %s %s: %s: %s", reason, request.method, request.path,
                 type(exc).__name__, exc, exc_info=(type(exc), exc, exc.__traceback__))
    return problem_response(503, gettext("服务暂时不可用：数据库暂时无法访问，请稍后重试。"),
                            headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"})


class InvalidParameters(exceptions.APIException):
    """400 naming each refused query parameter (``problems``) and, in ``detail``, the whole refusal."""

    status_code = 400
    default_code = "invalid_parameters"

    def __init__(self, problems: list[InvalidParam], detail: str = ""):
        self.problems = problems
        super().__init__(detail or invalid_params_sentence(problems))


class ProblemJSONRenderer(JSONRenderer):
    """JSON served as ``application/problem+json`` (every error of the API, whatever the client accepts)."""

    media_type = PROBLEM_CONTENT_TYPE
    format = "problem+json"


def _exception_params(exc: Exception) -> list[InvalidParam]:
    """The refused parameters: InvalidParameters' own, a plain ValidationError's {field: [messages]}."""
    if isinstance(exc, InvalidParameters):
        return exc.problems
    if not isinstance(exc, exceptions.ValidationError) or not isinstance(exc.detail, dict):
        return []
    return [InvalidParam(str(name), " ".join(str(message) for message in messages)
                         if isinstance(messages, list) else str(messages))
            for name, messages in exc.detail.items() if name != "detail"]


def _exception_detail(exc: Exception) -> str:
    """One sentence for ``detail``: the exception's own message, or the parameters it names."""
    detail = getattr(exc, "detail", None)
    if isinstance(detail, dict):
        if detail.get("detail"):
            return str(detail["detail"])
        return invalid_params_sentence(_exception_params(exc))
    if isinstance(detail, list):
        return " ".join(str(item) for item in detail)
    return str(detail) if detail is not None else ""


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """REST framework's handler, answering every error as a problem document (a database outage as 503)."""
    request = context.get("request")
    reason = database_unavailable_reason(exc)
    if reason is not None:
        logger.error("Database unavailable (%s) on %s: %s: %s", reason, getattr(request, "path", "?"),
                     type(exc).__name__, exc, exc_info=(type(exc), exc, exc.__traceback__))
        response = Response(problem_body(503, gettext("服务暂时不可用：数据库暂时无法访问，请稍后重试。")), status=503,
                            headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"})
    else:
        # As REST framework's handler does, so that ``detail`` below reads the same (translated) message.
        if isinstance(exc, Http404):
            exc = exceptions.NotFound(*exc.args)
        elif isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied(*exc.args)
        response = drf_exception_handler(exc, context)
        if response is None:
            return None  # a bug: Django's 500 page, as for any other view
        response.data = problem_body(response.status_code, _exception_detail(exc), _exception_params(exc))
    if request is not None:
        # Whatever the client accepts (HTML for the browsable API included), an error is a problem document.
        request.accepted_renderer = ProblemJSONRenderer()
        request.accepted_media_type = PROBLEM_CONTENT_TYPE
    return response
