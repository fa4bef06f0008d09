"""Chainable QuerySets: the read vocabulary of the catalogue.

``Practice.objects.published().in_city(city)`` reads as the question it asks.
Each manager also answers ``get_by_natural_key`` so that fixtures and imports
address records by business keys, never by auto-increment ids.
"""
from __future__ import annotations

from django.db import models

# models/base.py, not the models package: every model module imports this one.
from .models.base import Status


class NaturalKeyManager(models.Manager):
    """A manager whose ``get_by_natural_key`` looks up ``natural_key_fields``."""

    natural_key_fields: tuple[str, ...] = ()

    def get_by_natural_key(self, *key):
        return self.get(**dict(zip(self.natural_key_fields, key, strict=True)))


class PublishableQuerySet(models.QuerySet):
    def published(self):
        """Only records the public may see (status published)."""
        return self.filter(status=Status.PUBLISHED)

    def drafts(self):
        """Only unpublished records."""
        return self.filter(status=Status.DRAFT)


class PracticeQuerySet(PublishableQuerySet):
    def in_category(self, category):
        """Practices of one Category (instance or number)."""
        if hasattr(category, "pk"):
            # By the foreign key, not through a join on the number: the partial index on
            # (category, number, id) then serves the filter and the order together.
            return self.filter(category_id=category.pk)
        return self.filter(category__number=category)

    def in_city(self, city):
        """Practices with an entry reported by ``city`` (City instance or slug)."""
        slug = getattr(city, "slug", city)
        return self.filter(entries__city__slug=slug).distinct()

    def in_province(self, province):
        """Practices with an entry from a city of ``province`` (instance or slug)."""
        slug = getattr(province, "slug", province)
        return self.filter(entries__city__province__slug=slug).distinct()

    def with_entry(self, **lookups):
        """Practices with at least one entry matching ``lookups`` (e.g. city=…, city__province=…).

        An EXISTS subquery rather than a join: no duplicate rows and no
        .distinct(), so counts and annotations chained afterwards stay right.
        """
        from .models import PracticeEntry

        return self.filter(models.Exists(PracticeEntry.objects.filter(practice=models.OuterRef("pk"), **lookups)))

    def with_metrics(self):
        """Practices with at least one extracted metric."""
        return self.with_entry(metrics__isnull=False)

    def without_metrics(self):
        """Practices none of whose entries has a metric."""
        from .models import Metric

        return self.exclude(models.Exists(Metric.objects.filter(entry__practice=models.OuterRef("pk"))))

    def with_city_count(self):
        """Annotate ``city_count``: how many cities reported the practice (a subquery, join-free)."""
        from django.db.models.functions import Coalesce

        from .models import PracticeEntry

        counts = (
            PracticeEntry.objects.filter(practice=models.OuterRef("pk"))
            .order_by().values("practice").annotate(n=models.Count("pk")).values("n")
        )
        return self.annotate(city_count=Coalesce(models.Subquery(counts), 0))

    def with_cities(self):
        """Prefetch entries with their cities and provinces, in source order; category and source joined.

        The source comes without its full text (``raw_text``, ``non_article_parts``): joined to
        every practice of a page, it made each API page carry 20 copies of it (~0.7 MB at 100k).
        """
        from .models import PracticeEntry

        return self.select_related("category", "source").defer(
            "source__raw_text", "source__non_article_parts"
        ).prefetch_related(
            models.Prefetch(
                "entries",
                queryset=PracticeEntry.objects.select_related("city__province").order_by("position"),
            )
        )


class PracticeManager(NaturalKeyManager.from_queryset(PracticeQuerySet)):
    natural_key_fields = ("number",)


class CaseReportQuerySet(PublishableQuerySet):
    def in_province(self, province):
        """Case reports about ``province`` (instance or slug)."""
        slug = getattr(province, "slug", province)
        return self.filter(province__slug=slug)

    def mentioning_city(self, city):
        """Case reports that mention ``city`` (instance or slug)."""
        slug = getattr(city, "slug", city)
        return self.filter(cities__slug=slug).distinct()


class CaseReportManager(NaturalKeyManager.from_queryset(CaseReportQuerySet)):
    natural_key_fields = ("source__filename", "position")


class RelatedPracticeQuerySet(models.QuerySet):
    def shown(self):
        """Links the public sees: confirmed by staff or still pending; never the ones staff rejected."""
        return self.filter(models.Q(confirmed=True) | models.Q(confirmed__isnull=True))


class MetricQuerySet(models.QuerySet):
    def published(self):
        """Metrics whose practice or case report is published."""
        return self.filter(
            models.Q(entry__practice__status=Status.PUBLISHED)
            | models.Q(case_report__status=Status.PUBLISHED)
        )

    def verified(self):
        """Metrics a staff member has checked against the source."""
        return self.filter(verified=True)

    def in_unit(self, unit: str):
        """Metrics with normalized unit ``unit`` (户, 元, % …)."""
        return self.filter(normalized_unit=unit)


class MetricManager(models.Manager.from_queryset(MetricQuerySet)):
    def get_by_natural_key(self, kind, owner, part, position):
        """Key shapes: ("entry", practice number, city slug, position) or
        ("case_report", source filename, report position, position)."""
        if kind == "entry":
            return self.get(entry__practice__number=owner, entry__city__slug=part, position=position)
        return self.get(
            case_report__source__filename=owner, case_report__position=part, position=position
        )
