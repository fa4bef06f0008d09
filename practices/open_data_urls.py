"""Open-data routes: exports of any filtered list, feeds, the data release.

Mounted at the site root before ``practices.urls``, in their own namespace
("open_data") so that they never shadow the pages' names.
"""
from django.urls import path, re_path

from . import exports, feeds, release

app_name = "open_data"

FORMAT = r"(?P<fmt>csv|xlsx|json)"

urlpatterns = [
    re_path(rf"^practices/export\.{FORMAT}$", exports.export, {"kind": "practices"}, name="practice-export"),
    re_path(rf"^case-reports/export\.{FORMAT}$", exports.export, {"kind": "case-reports"},
            name="case-report-export"),
    re_path(rf"^metrics/export\.{FORMAT}$", exports.export, {"kind": "metrics"}, name="metric-export"),
    path("feeds/practices.atom", feeds.PracticeFeed(), name="practice-feed"),
    path("feeds/case-reports.atom", feeds.CaseReportFeed(), name="case-report-feed"),
    path("data/release.zip", release.release_download, name="release"),
]
