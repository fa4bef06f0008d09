from django.urls import path

from . import views

app_name = "practices"

urlpatterns = [
    path("", views.home, name="home"),
    path("practices/", views.practice_list, name="practice-list"),
    path("practices/<int:number>/", views.practice_detail, name="practice-detail"),
    path("practices/<int:number>/compare/", views.practice_compare, name="practice-compare"),
    path("metrics/", views.metric_list, name="metric-list"),
    path("categories/", views.categories, name="category-index"),
    path("categories/<slug:slug>/", views.category_detail, name="category-detail"),
    path("cities/", views.cities, name="city-index"),
    path("cities/<slug:slug>/", views.city_detail, name="city-detail"),
    path("provinces/", views.provinces, name="province-index"),
    path("provinces/<slug:slug>/", views.province_detail, name="province-detail"),
    path("case-reports/", views.case_report_list, name="case-report-list"),
    path("case-reports/<slug:source>/<int:position>/", views.case_report_detail, name="case-report-detail"),
    # The old address by database id (until issue 12), kept so that links to it still work.
    path("case-reports/<int:pk>/", views.case_report_redirect, name="case-report-redirect"),
    path("about/", views.about, name="about"),
    # The API reference in the reader's language: /api/docs/ (the root's route, before the API's
    # router) and /en/api/docs/ here.
    path("api/docs/", views.api_docs, name="api-docs"),
]
