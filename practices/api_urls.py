"""API routes (/api/…): the read-only viewsets of api.py and the OpenAPI schema."""
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from . import api

app_name = "api"

router = DefaultRouter()
router.register("practices", api.PracticeViewSet, basename="practice")
router.register("categories", api.CategoryViewSet, basename="category")
router.register("provinces", api.ProvinceViewSet, basename="province")
router.register("cities", api.CityViewSet, basename="city")
router.register("case-reports", api.CaseReportViewSet, basename="case-report")
router.register("metrics", api.MetricViewSet, basename="metric")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("", include(router.urls)),
]
