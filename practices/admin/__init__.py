"""The staff admin (Chinese): one ModelAdmin per model, registered on import.

Modules: ``base`` (history, revert, optimistic locking, import/export),
``places`` (categories, provinces, cities, sources), ``practices``
(practices and their city entries), ``reports`` (case reports and related
practices), ``metrics``.
"""
from django.contrib import admin

from . import metrics, places, practices, reports  # noqa: F401  (registers the ModelAdmins)

admin.site.site_header = "典型做法目录 · 管理后台"
admin.site.site_title = "典型做法目录管理"
admin.site.index_title = "内容管理"
# The model list is the index page (and the breadcrumbs lead there): without the navigation sidebar,
# changelists with a filter sidebar keep ~300 px more for their columns at 1366 px.
admin.site.enable_nav_sidebar = False
