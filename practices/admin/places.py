"""Categories, provinces, cities (curated, importable) and source documents (their description curated)."""
from __future__ import annotations

from django.contrib import admin
from django.db import models

from .. import services
from ..forms import VERSION_FIELD, VersionedModelForm, expected_version_of
from ..models import CaseReport, Category, City, Practice, PracticeEntry, Province, SourceDocument
from ..resources import CategoryResource, CityResource, ProvinceResource
from .base import VersionConflictMessageMixin, excerpt
from .importing import CatalogueAdmin
from .scale import related_count


@admin.register(Category)
class CategoryAdmin(CatalogueAdmin):
    resource_classes = [CategoryResource]
    list_display = ("number", "name", "slug", "practice_count", "version")
    list_display_links = ("number", "name")
    search_fields = ("name", "slug", "=number")
    ordering = ("number",)
    fields = ("number", "name", "name_en", "slug")
    readonly_fields = ("version",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(practice_count=related_count(Practice, "category"))

    @admin.display(description="典型做法数", ordering="practice_count")
    def practice_count(self, obj):
        return obj.practice_count


@admin.register(Province)
class ProvinceAdmin(CatalogueAdmin):
    resource_classes = [ProvinceResource]
    list_display = ("name", "adcode", "slug", "pinyin", "city_count", "version")
    search_fields = ("name", "pinyin", "slug", "=adcode")
    fields = ("name", "slug", "pinyin", "adcode")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(city_count=related_count(City, "province"))

    @admin.display(description="城市数", ordering="city_count")
    def city_count(self, obj):
        return obj.city_count


@admin.register(City)
class CityAdmin(CatalogueAdmin):
    resource_classes = [CityResource]
    list_display = ("name", "province", "level", "adcode", "slug", "entry_count", "version")
    list_filter = ("province", "level")
    list_select_related = ("province",)
    search_fields = ("name", "pinyin", "slug", "=adcode", "province__name")
    autocomplete_fields = ("province",)
    fields = ("name", "province", "level", "slug", "pinyin", "adcode")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entry_count=related_count(PracticeEntry, "city"))

    @admin.display(description="城市做法数", ordering="entry_count")
    def entry_count(self, obj):
        return obj.entry_count


@admin.register(SourceDocument)
class SourceDocumentAdmin(VersionConflictMessageMixin, admin.ModelAdmin):
    """Sources are vendored files checked by SHA-256: their file, kind and text are shown, never edited.

    Staff curate the description a citation needs (title, publisher, date, issue, address): saved
    with the version check of every curated record, and kept by later loads (``load_fingerprint``).
    """

    form = VersionedModelForm
    # An address typed without a scheme is https (Django 6's default; 5.2 warns otherwise).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("filename", "title", "kind", "publisher", "date", "practice_count", "report_count")
    list_filter = ("kind",)
    search_fields = ("filename", "title", "publisher")
    fields = ("filename", "kind", "title", "publisher", "date", "date_note", "issue", "url", VERSION_FIELD,
              "sha256", "raw_excerpt")
    readonly_fields = ("filename", "kind", "sha256", "raw_excerpt")

    def has_add_permission(self, request):
        return False  # a source comes with its file, through load_catalogue

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.curated_record_save(instance=obj, user=request.user, expected_version=expected_version_of(form))

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            practice_count=related_count(Practice, "source"), report_count=related_count(CaseReport, "source")
        )

    @admin.display(description="典型做法数", ordering="practice_count")
    def practice_count(self, obj):
        return obj.practice_count

    @admin.display(description="案例报道数", ordering="report_count")
    def report_count(self, obj):
        return obj.report_count

    @admin.display(description="原文（开头）")
    def raw_excerpt(self, obj):
        return excerpt(obj.raw_text, 2000)
