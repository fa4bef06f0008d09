"""Root URLconf: the public site, open data (API, exports, feeds), discovery files and the admin."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import index as sitemap_index
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from practices.sitemaps import SITEMAPS
from practices.views import indexes

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before the API's router, which would otherwise read "docs" as a resource name.
    path("api/docs/", indexes.api_docs, name="api-docs"),
    path("api/", include("practices.api_urls")),
    # An index of one file per section and page (the protocol allows 50,000 addresses a file; a
    # 100k catalogue lists 200,000 practice pages in its two languages).
    path("sitemap.xml", sitemap_index, {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
         name="sitemap"),
    path("sitemap-<section>.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap-section"),
    path("robots.txt", indexes.robots_txt, name="robots"),
    path("favicon.ico", indexes.favicon, name="favicon"),
    path("", include("practices.open_data_urls")),
]
# The reader's pages: Chinese at the root, English under /en/. The language is in the URL, so a
# page never varies by cookie or Accept-Language and caches (ours, a CDN's) key it by URL alone.
# The API, exports, feeds and the admin are language-neutral addresses (Chinese messages).
urlpatterns += i18n_patterns(path("", include("practices.urls")), prefix_default_language=False)

# Error pages in the site's layout and language (practices/views/errors.py); 500 stays standalone.
handler400 = "practices.views.errors.bad_request"
handler403 = "practices.views.errors.permission_denied"
handler404 = "practices.views.errors.page_not_found"
handler500 = "practices.views.errors.server_error"
