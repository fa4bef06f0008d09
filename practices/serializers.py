"""Read-only serializers of the JSON API (/api/…).

Shapes are a public contract; every nested place or category has the same
small shape wherever it appears:

* category: ``{number, name, slug}``
* city: ``{name, slug, province}`` (``province`` is the province's name)
* province: ``{name, slug}``

Records are identified by business keys, never by auto-increment ids (a
restore from the natural-key fixture renumbers those, and the output must
not change):

* practice: ``number``; category: ``number`` or ``slug``; city, province: ``slug``
* case report: ``source.filename`` + ``position`` (its order in the source, from 1)
* metric: its owner + ``position`` (its order in the owner's text, from 1);
  the owner is the practice and ``city`` (a practice metric) or the case
  report it is nested in

Every ``url`` is a record's public page, addressed by the same keys (a case
report's is /case-reports/<source slug>/<position>/).

Serializers never query on their own: the viewsets hand them querysets with
everything they read already joined or prefetched (see ``api.py``), so a page
costs a fixed number of queries whatever its size.
"""
from __future__ import annotations

import functools

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import CaseReport, Category, City, Metric, Practice, PracticeEntry, Province, SourceDocument


def absolute_url(instance, context: dict) -> str:
    """The absolute URL of ``instance``'s public HTML page (relative without a request)."""
    path = instance.get_absolute_url()
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class AbsoluteUrlField(serializers.ReadOnlyField):
    """The absolute URL of the record's public HTML page (``get_absolute_url``)."""

    def __init__(self, **kwargs):
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, value):
        return absolute_url(value, self.context)


# drf-spectacular cannot infer the type of a ReadOnlyField on "*".
AbsoluteUrlField = extend_schema_field({"type": "string", "format": "uri"})(AbsoluteUrlField)


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["number", "name", "slug"]


class ProvinceRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["name", "slug"]


class CityRefSerializer(serializers.ModelSerializer):
    province = serializers.CharField(source="province.name", read_only=True)

    class Meta:
        model = City
        fields = ["name", "slug", "province"]


class PracticeRefSerializer(serializers.ModelSerializer):
    url = AbsoluteUrlField()

    class Meta:
        model = Practice
        fields = ["number", "name", "url"]


class CaseReportRefSerializer(serializers.ModelSerializer):
    """``{source, position, title, url}``: ``source`` (the filename) + ``position`` identify it."""

    source = serializers.CharField(source="source.filename", read_only=True)
    url = AbsoluteUrlField()

    class Meta:
        model = CaseReport
        fields = ["source", "position", "title", "url"]


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = SourceDocument
        fields = ["filename", "title", "kind", "publisher", "date"]


class ExcerptSerializer(serializers.Serializer):
    """Why a search hit matched: ``html`` (escaped, the query's words in <mark>), ``text`` (the same, plain),
    and the place the passage speaks of (``city``, or only ``province`` when a report names no city)."""

    html = serializers.CharField(read_only=True)
    text = serializers.CharField(read_only=True)
    city = serializers.SerializerMethodField()
    province = serializers.SerializerMethodField()

    @extend_schema_field(CityRefSerializer(allow_null=True))
    def get_city(self, excerpt) -> dict | None:
        place = excerpt.place
        return CityRefSerializer(place).data if isinstance(place, City) else None

    @extend_schema_field(ProvinceRefSerializer(allow_null=True))
    def get_province(self, excerpt) -> dict | None:
        place = excerpt.place
        province = place.province if isinstance(place, City) else place
        return ProvinceRefSerializer(province).data if isinstance(province, Province) else None


class SearchExcerptMixin(serializers.Serializer):
    """Adds ``excerpt`` to a list item when the list was searched (``?q=``), and only then.

    The viewset sets ``search_excerpt`` on each row of the page (prefetched, no
    query per row) and ``searching`` in the context; null when the hit matched
    on its title alone.
    """

    excerpt = serializers.SerializerMethodField(help_text="仅在带 q 参数检索时出现：命中段落的摘录（HTML 已转义，检索词以 <mark> 标出）及其城市。")

    @functools.cached_property
    def excerpt_serializer(self) -> ExcerptSerializer:
        return ExcerptSerializer()  # one for every row (see PracticeSerializer.city_ref)

    @extend_schema_field(ExcerptSerializer(allow_null=True))
    def get_excerpt(self, record) -> dict | None:
        excerpt = getattr(record, "search_excerpt", None)
        return None if excerpt is None else self.excerpt_serializer.to_representation(excerpt)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("searching"):
            data.pop("excerpt", None)
        return data


# -- metrics -----------------------------------------------------------------
METRIC_VALUE_FIELDS = [
    "raw", "value", "high", "unit", "normalized_value", "normalized_high", "normalized_unit",
    "kind", "qualifier", "label", "measure", "as_of", "as_of_year", "as_of_month", "sentence", "verified",
]


class MetricBaseSerializer(serializers.ModelSerializer):
    """A metric's ``position`` and values; subclasses add what it belongs to."""

    position = serializers.IntegerField(read_only=True, help_text=(
        "在所属城市段落或案例报道中的顺序，从 1 开始；"
        "与所属记录（典型做法序号和城市，或案例报道）一起标识这个指标。"
    ))

    class Meta:
        model = Metric
        fields = ["position", *METRIC_VALUE_FIELDS]


class EntryMetricSerializer(MetricBaseSerializer):
    """A metric inside a practice: which city reported it, and the value.

    ``city`` + ``position`` identify it within the practice.
    """

    city = CityRefSerializer(source="entry.city", read_only=True)

    class Meta(MetricBaseSerializer.Meta):
        fields = ["city", "position", *METRIC_VALUE_FIELDS]


class CaseReportMetricSerializer(MetricBaseSerializer):
    """A metric inside a case report: ``position`` identifies it within the report."""


class MetricSerializer(MetricBaseSerializer):
    """/api/metrics/: a metric of a published practice or case report, with what it belongs to.

    ``owner`` says which: a practice metric has ``practice``, ``category`` and
    ``city`` (``practice.number`` + ``city.slug`` + ``position`` identify it)
    and ``case_report`` null; a case-report metric has ``case_report``
    (``case_report.source`` + ``case_report.position`` + ``position``) and the
    other three null.
    """

    owner = serializers.SerializerMethodField(help_text="practice（典型做法）或 case_report（案例报道）。")
    practice = PracticeRefSerializer(source="entry.practice", read_only=True, allow_null=True)
    category = CategoryRefSerializer(source="entry.practice.category", read_only=True, allow_null=True)
    city = CityRefSerializer(source="entry.city", read_only=True, allow_null=True)
    case_report = CaseReportRefSerializer(read_only=True, allow_null=True)

    class Meta(MetricBaseSerializer.Meta):
        fields = ["owner", "practice", "category", "city", "case_report", "position", *METRIC_VALUE_FIELDS]

    def get_owner(self, metric: Metric) -> str:
        return "practice" if metric.entry_id else "case_report"


# -- practices ---------------------------------------------------------------
class EntrySerializer(serializers.ModelSerializer):
    city = CityRefSerializer(read_only=True)

    class Meta:
        model = PracticeEntry
        fields = ["city", "text"]


class PracticeSerializer(SearchExcerptMixin, serializers.ModelSerializer):
    """List item: ``{number, name, category, cities, url}``; cities in source order; ``excerpt`` with ``q``."""

    category = CategoryRefSerializer(read_only=True)
    cities = serializers.SerializerMethodField()
    url = AbsoluteUrlField()

    class Meta:
        model = Practice
        fields = ["number", "name", "category", "cities", "url", "excerpt"]

    @functools.cached_property
    def city_ref(self) -> CityRefSerializer:
        # One nested serializer for every row: building one per practice (its fields, per row)
        # cost more than the rest of the row (profiled on /api/practices/).
        return CityRefSerializer()

    @extend_schema_field(CityRefSerializer(many=True))
    def get_cities(self, practice: Practice) -> list[dict]:
        # ``entries`` is prefetched in position order (with_cities()).
        return [self.city_ref.to_representation(entry.city) for entry in practice.entries.all()]


class PracticeDetailSerializer(PracticeSerializer):
    """Detail: the list shape plus ``entries`` [{city, text}] and ``metrics``."""

    entries = EntrySerializer(many=True, read_only=True)
    metrics = serializers.SerializerMethodField()

    class Meta(PracticeSerializer.Meta):
        fields = ["number", "name", "category", "cities", "url", "entries", "metrics"]

    @extend_schema_field(EntryMetricSerializer(many=True))
    def get_metrics(self, practice: Practice) -> list[dict]:
        # Metrics are prefetched per entry; flattening keeps source order.
        metrics = [metric for entry in practice.entries.all() for metric in entry.metrics.all()]
        return EntryMetricSerializer(metrics, many=True).data


# -- places and categories ---------------------------------------------------
class CategorySerializer(CategoryRefSerializer):
    practice_count = serializers.IntegerField(read_only=True)
    url = AbsoluteUrlField()

    class Meta(CategoryRefSerializer.Meta):
        fields = [*CategoryRefSerializer.Meta.fields, "practice_count", "url"]


class ProvinceSerializer(ProvinceRefSerializer):
    cities = serializers.SerializerMethodField()
    url = AbsoluteUrlField()

    class Meta(ProvinceRefSerializer.Meta):
        fields = [*ProvinceRefSerializer.Meta.fields, "pinyin", "adcode", "cities", "url"]

    @extend_schema_field(CityRefSerializer(many=True))
    def get_cities(self, province: Province) -> list[dict]:
        # The province is the same for every city: no need to join it again.
        return [{"name": city.name, "slug": city.slug, "province": province.name} for city in province.cities.all()]


class CitySerializer(CityRefSerializer):
    province_slug = serializers.CharField(source="province.slug", read_only=True)
    practice_count = serializers.IntegerField(read_only=True)
    url = AbsoluteUrlField()

    class Meta(CityRefSerializer.Meta):
        fields = [*CityRefSerializer.Meta.fields, "province_slug", "pinyin", "adcode", "level",
                  "practice_count", "url"]


# -- case reports ------------------------------------------------------------
class CaseReportSerializer(SearchExcerptMixin, serializers.ModelSerializer):
    """List item; ``source.filename`` + ``position`` identify the report; ``excerpt`` with ``q``."""

    position = serializers.IntegerField(read_only=True, help_text=(
        "在来源文件中的顺序，从 1 开始；与 source.filename 一起标识这篇案例报道。"
    ))
    province = ProvinceRefSerializer(read_only=True)
    cities = CityRefSerializer(many=True, read_only=True)
    categories = CategoryRefSerializer(many=True, read_only=True)
    source = SourceSerializer(read_only=True)
    url = AbsoluteUrlField()

    class Meta:
        model = CaseReport
        fields = ["source", "position", "title", "subtitle", "kicker", "byline", "province", "cities",
                  "categories", "published_at", "url", "excerpt"]


class RelatedPracticeSerializer(serializers.Serializer):
    number = serializers.IntegerField(source="practice.number")
    name = serializers.CharField(source="practice.name")
    score = serializers.DecimalField(max_digits=5, decimal_places=4)
    confirmed = serializers.BooleanField(allow_null=True)
    url = serializers.SerializerMethodField()

    def get_url(self, link) -> str:
        return absolute_url(link.practice, self.context)


class CaseReportDetailSerializer(CaseReportSerializer):
    """Detail: the list shape plus ``body``, ``related_practices`` and ``metrics``."""

    related_practices = RelatedPracticeSerializer(source="public_practice_links", many=True, read_only=True)
    metrics = CaseReportMetricSerializer(many=True, read_only=True)

    class Meta(CaseReportSerializer.Meta):
        fields = [*(f for f in CaseReportSerializer.Meta.fields if f != "excerpt"),
                  "body", "source_spans", "related_practices", "metrics"]
