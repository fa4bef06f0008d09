"""Root URLconf: the public site, open data (API, exports, feeds) and the admin."""
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("practices.api_urls")),
    path("", include("practices.open_data_urls")),
    path("", include("practices.urls")),
]
