"""Open-data routes: exports of any filtered list, feeds, the data release.

Mounted at the site root before ``practices.urls``, in their own namespace
("open_data") so that they never shadow the pages' names. The export routes
are those of the public lists (``practices.lists``): /<name>/export.<fmt>.
"""
from django.urls import path, re_path

from . import exports, feeds, release
from .lists import PUBLIC_LISTS

app_name = "open_data"

FORMAT = r"(?P<fmt>csv|xlsx|json)"

urlpatterns = [
    *(re_path(rf"^{entry.name}/export\.{FORMAT}$", exports.export, {"kind": entry.name},
              name=entry.export_route_name)
      for entry in PUBLIC_LISTS.values()),
    path("feeds/practices.atom", feeds.PracticeFeed(), name="practice-feed"),
    path("feeds/case-reports.atom", feeds.CaseReportFeed(), name="case-report-feed"),
    path("data/release.zip", release.release_download, name="release"),
]
