"""The case report Resource."""
from __future__ import annotations

from django.db.models import Prefetch
from import_export import fields

from ..models import CaseReport, Province, RelatedPractice, SourceDocument, Status
from .base import CatalogueResource, column_field
from .cells import LIST_SEPARATOR, city_label
from .widgets import (
    CategoryListWidget,
    ChoiceWidget,
    CityListWidget,
    NameForeignKeyWidget,
    PlainIntegerWidget,
    TextWidget,
)


class CaseReportResource(CatalogueResource):
    source = column_field("source", widget=NameForeignKeyWidget(SourceDocument, "filename", "来源文件"))
    position = column_field("position", widget=PlainIntegerWidget())
    title = column_field("title")
    subtitle = column_field("subtitle")
    kicker = column_field("kicker")
    byline = column_field("byline")
    province = column_field("province", widget=NameForeignKeyWidget(Province, "name", "省份"))
    cities = column_field("cities", widget=CityListWidget())
    categories = column_field("categories", widget=CategoryListWidget())
    status = column_field("status", widget=ChoiceWidget(Status, "状态"))
    body = column_field("body")
    related_practices = fields.Field(column_name="related_practices", readonly=True, widget=TextWidget())

    optional_columns = ("related_practices",)

    class Meta:
        model = CaseReport
        fields = ("source", "position", "title", "subtitle", "kicker", "byline", "province", "cities",
                  "categories", "status", "body", "related_practices")
        export_order = fields
        import_id_fields = ("source", "position")
        skip_unchanged = True
        clean_model_instances = True
        use_transactions = True

    def get_queryset(self):
        # The links' practices joined, not prefetched: Django prefetches that foreign key as one
        # "id = … OR id = …" per practice, which SQLite refuses past 1,000 terms (a 10k catalogue).
        return CaseReport.objects.select_related("source", "province").prefetch_related(
            "cities__province", "categories",
            Prefetch("practice_links", queryset=RelatedPractice.objects.select_related("practice")),
        )

    def published(self, queryset):
        return queryset.published()

    def dehydrate_cities(self, report):
        homonyms = self.homonyms()
        return LIST_SEPARATOR.join(city_label(city, homonyms) for city in report.cities.all())

    def dehydrate_related_practices(self, report):
        """Confirmed or pending suggestions, best first (rejected ones left out); export only.

        A public export (``published_only``) lists published practices only, as
        the pages and the API do: a withdrawn practice's number must not leak.
        """
        if report.pk is None:
            return ""
        links = sorted((link for link in report.practice_links.all()
                        if link.confirmed is not False
                        and (not self.published_only or link.practice.status == Status.PUBLISHED)),
                       key=lambda link: link.rank)
        return LIST_SEPARATOR.join(str(link.practice.number) for link in links)

    def get_import_fields(self):
        return [self.fields[name] for name in self._meta.fields if name != "related_practices"]
