"""The admin speaks Chinese whatever the browser asks for (the public site keeps its language choice)."""
from __future__ import annotations

from django.urls import reverse
from django.utils import translation

ADMIN_LANGUAGE = "zh-hans"


class AdminChineseMiddleware:
    """Activate simplified Chinese for every request under the admin. Place after LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._prefix: str | None = None

    def __call__(self, request):
        if self._prefix is None:
            self._prefix = reverse("admin:index")
        if request.path_info.startswith(self._prefix):
            translation.activate(ADMIN_LANGUAGE)
            request.LANGUAGE_CODE = ADMIN_LANGUAGE
        return self.get_response(request)
