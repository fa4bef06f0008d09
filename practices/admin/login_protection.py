"""django-axes hooks: the real client address behind a proxy, and a lockout page with Retry-After.

Lockouts count one username at one address together (settings
``AXES_LOCKOUT_PARAMETERS``), so the address must be the client's, not the
proxy's: behind N trusted proxies (``DJANGO_TRUSTED_PROXY_COUNT``) it is the
N-th entry from the right of X-Forwarded-For, which the client cannot forge
(entries it sends itself sit further left).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def client_ip_address(request: HttpRequest) -> str | None:
    """REMOTE_ADDR without a proxy; behind ``TRUSTED_PROXY_COUNT`` proxies, the address they saw."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    # Each proxy appends the address it received the request from; the nearest one is REMOTE_ADDR.
    # With fewer entries than proxies the header is not what the proxies wrote: use the nearest hop.
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


def _locked_until(request: HttpRequest, username: str, cool_off: timedelta | None) -> datetime | None:
    from axes.models import AccessAttempt

    if cool_off is None:
        return None
    address = getattr(request, "axes_ip_address", None) or client_ip_address(request)
    attempt = (
        AccessAttempt.objects.filter(username=username, ip_address=address)
        .select_related("expiration")
        .order_by("-attempt_time")
        .first()
    )
    if attempt is None:
        return timezone.now() + cool_off
    expiration = getattr(attempt, "expiration", None)
    return expiration.expires_at if expiration is not None else attempt.attempt_time + cool_off


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """The 429 lockout page naming the account and address it applies to, with Retry-After in seconds."""
    username = get_client_username(request, credentials) or ""
    cool_off = get_cool_off(request)
    until = _locked_until(request, username, cool_off)
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds())) if until else None
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "username": username,
        "retry_minutes": math.ceil(seconds / 60) if seconds else None,
        "locked_until": timezone.localtime(until) if until else None,
    }
    response = render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
