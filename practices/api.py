"""The read-only JSON API (/api/…): DRF viewsets over published records.

The filterable lists are the public lists of ``practices.lists``: their
FilterSets (the pages' own) run through django-filter's DRF backend, so
``/api/practices/?city=青岛`` and ``/practices/?city=青岛`` answer the same
question. Every queryset joins or
prefetches what its serializer reads: a page costs a fixed number of queries
whatever ``page_size`` is.

Errors are problem documents (``practices.problems``, RFC 9457): a refused
query parameter (an unknown filter value, a malformed page, page size or
boolean) is a 400 naming each parameter and what it takes, a page past the
end and an unknown or unpublished record are 404s. ``?lang=en`` answers in
English (messages, descriptions, facet labels), Chinese by default.
"""
from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import NotFound

from . import lists, params, selectors, serializers
from .api_pagination import CataloguePagination, FacetedPagination
from .lists import PublicList
from .models import CaseReport, Category, City, Metric, Practice, Province, RelatedPractice, Status
from .problems import InvalidParameters
from .revision_memo import revision_memo
from .selectors.case_reports import case_report_by_id
from .selectors.facets import RESET_ON_CHANGE


class FacetedListMixin:
    """A public list (``practices.lists``): its FilterSet, and ``description`` and ``facets`` in the response.

    The list's ``summarize`` gives the cached {"count", …} of the filters (the
    count spares the paginator its COUNT query), ``facets`` the facets and
    ``describe`` the filters in one sentence, exactly as on its page.
    """

    public_list: PublicList
    pagination_class = FacetedPagination
    list_summary: dict | None = None

    @property
    def filterset_class(self):
        return self.public_list.filterset_class

    def paginate_queryset(self, queryset):
        if self.filterset is not None and self.paginator is not None:
            self.list_summary = self.public_list.summarize(filterset=self.filterset)
            self.paginator.known_count = self.list_summary["count"]
        page = super().paginate_queryset(queryset)
        if page is not None and self.filterset is not None:
            # The page's rows are loaded with what an excerpt reads: no query per row.
            page = self.public_list.with_excerpts(page, filterset=self.filterset)
        return page

    def get_serializer_context(self):
        context = super().get_serializer_context()
        filterset = getattr(self, "filterset", None)
        context["searching"] = bool(filterset is not None and filterset.selected().get("q"))
        return context

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        summary = self.list_summary or self.public_list.summarize(filterset=self.filterset)
        facets = self.list_facets(request, summary=summary)
        # Absolute like next/previous, so a client can follow it as is. A toggle link is an encoded
        # "/path?query" (ASCII): the scheme and host are worked out once, not for each of ~330 values.
        origin = request.build_absolute_uri("/").removesuffix("/")
        for items in facets.values():
            for item in items:
                item["toggle_url"] = origin + item["toggle_url"]
        response.data["description"] = self.public_list.describe(filterset=self.filterset,
                                                                 count=response.data["count"])
        response.data["facets"] = facets
        return response


    def list_facets(self, request, *, summary: dict) -> dict:
        """The list's facets; in an anonymous request, built once per revision for every page of a query.

        A facet's values, counts and toggle links depend on the filters, the other parameters, the
        path and the language, never on the page (a toggle link drops it): ``?page=2`` and
        ``?page=900`` share them. Building them costs ~2 ms (~330 values with a link each).
        """
        others = request.query_params.copy()
        for name in RESET_ON_CHANGE:
            others.pop(name, None)
        key = "\n".join((self.public_list.name, translation.get_language(), request.path, others.urlencode()))
        return revision_memo("api-facets", key, lambda: self.public_list.facets(
            filterset=self.filterset, params=request.query_params, path=request.path, summary=summary))


class SharedFilterBackend(DjangoFilterBackend):
    """django-filter's backend, keeping the FilterSet on the view for facets.

    Unknown values (category, city …) are form errors in the shared FilterSets,
    which this backend turns into a 400 listing them (a list view has checked
    them already, with its other parameters: ``ReadOnlyViewSet.initial``).
    """

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        view.filterset = filterset
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise InvalidParameters(params.filter_problems(filterset), filter_detail(filterset))
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        # filter_queryset() above already built it: reuse it (lookups are queries).
        cached = getattr(view, "filterset", None)
        if cached is not None and cached.queryset.model is queryset.model:
            return cached
        return super().get_filterset(request, queryset, view)


def filter_detail(filterset) -> str:
    """The page's sentence naming each refused value ("筛选条件无效：…"); a bad ``sort`` alone has its own."""
    return filterset.rejection_message() or params.invalid_params_sentence(params.filter_problems(filterset))


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    filter_backends = [SharedFilterBackend]
    pagination_class = CataloguePagination
    filterset = None

    def dispatch(self, request, *args, **kwargs):
        """The whole answer, its error messages included, in the language ``lang`` asks for.

        The response is rendered here, inside that language, and says which it is in Content-Language.
        """
        language, _problem = params.requested_language(request.GET)
        with translation.override(language):
            response = super().dispatch(request, *args, **kwargs)
            if callable(getattr(response, "render", None)) and not getattr(response, "is_rendered", True):
                response.render()
        response.headers.setdefault("Content-Language", language)
        return response

    def initial(self, request, *args, **kwargs):
        """Refuse malformed parameters before any work, all of them in one 400: lang, then a list's page,
        page size and filters."""
        super().initial(request, *args, **kwargs)
        _language, language_problem = params.requested_language(request.query_params)
        problems = [language_problem] if language_problem else []
        detail = ""
        if self.action == "list":
            if self.paginator is not None:
                problems += self.paginator.problems(request)
            filterset = SharedFilterBackend().get_filterset(request, self.get_queryset(), self)
            self.filterset = filterset
            if filterset is not None and not filterset.is_valid():
                problems += params.filter_problems(filterset)
                detail = filter_detail(filterset) if len(problems) == len(filterset.errors) else ""
        if problems:
            raise InvalidParameters(problems, detail)

    def lookup_value(self) -> str:
        """The identifier from the URL; 404 for one no record can have.

        PostgreSQL refuses NUL in a text parameter (an error, not "no match").
        """
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        if "\x00" in value:
            raise Http404(_("无效的标识符。"))
        return value

    def get_object(self):
        self.lookup_value()
        try:
            return super().get_object()
        except Http404 as exc:
            # Django's own message is English whatever the language ("No Practice matches the given query.").
            messages = {
                "practice": _("没有序号为“%(key)s”的已发布典型做法。"),
                "metric": _("没有编号为“%(key)s”的已发布指标。"),
                "city": _("没有短名为“%(key)s”的城市。"),
                "province": _("没有短名为“%(key)s”的省份。"),
            }
            message = messages.get(self.get_queryset().model._meta.model_name, _("没有这条记录。"))
            raise NotFound(message % {"key": params.shown_value(self.lookup_value())}) from exc


@extend_schema_view(
    list=extend_schema(summary="已发布的典型做法（可筛选）"),
    retrieve=extend_schema(summary="一个典型做法：城市段落和量化指标"),
)
class PracticeViewSet(FacetedListMixin, ReadOnlyViewSet):
    """Published practices; filters as on /practices/ (category, city, province, has_metrics, q, sort)."""

    public_list = lists.PRACTICES
    lookup_field = "number"

    def get_queryset(self) -> QuerySet[Practice]:
        queryset = selectors.practice_published_list()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch("entries__metrics", queryset=Metric.objects.order_by("position"))
            )
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.PracticeDetailSerializer
        return serializers.PracticeSerializer


@extend_schema_view(
    list=extend_schema(summary="政策类别"),
    retrieve=extend_schema(summary="一个政策类别（按编号或短名）"),
)
class CategoryViewSet(ReadOnlyViewSet):
    """The seven policy categories, with their number of published practices.

    Detail accepts the number (``/api/categories/1/``) or the slug.
    """

    serializer_class = serializers.CategorySerializer
    lookup_field = "slug"
    lookup_url_kwarg = "key"

    def get_queryset(self) -> QuerySet[Category]:
        return Category.objects.annotate(
            practice_count=Count("practices", filter=Q(practices__status=Status.PUBLISHED))
        ).order_by("number")

    def get_object(self) -> Category:
        key = self.lookup_value()
        lookup = {"number": int(key)} if key.isascii() and key.isdigit() else {"slug": key}
        try:
            obj = self.get_queryset().get(**lookup)
        except (Category.DoesNotExist, ValueError, OverflowError) as exc:
            raise Http404(_("没有这个类别。")) from exc
        self.check_object_permissions(self.request, obj)
        return obj


@extend_schema_view(list=extend_schema(summary="省份"), retrieve=extend_schema(summary="一个省份（按短名）"))
class ProvinceViewSet(ReadOnlyViewSet):
    """Provinces of the reporting cities and case reports, each with its cities."""

    serializer_class = serializers.ProvinceSerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Province]:
        return Province.objects.prefetch_related(
            Prefetch("cities", queryset=City.objects.order_by("adcode", "name"))
        ).order_by("adcode", "name")


@extend_schema_view(list=extend_schema(summary="城市"), retrieve=extend_schema(summary="一个城市（按短名）"))
class CityViewSet(ReadOnlyViewSet):
    """Cities, with their number of published practices."""

    serializer_class = serializers.CitySerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[City]:
        return City.objects.select_related("province").annotate(
            # One entry per (practice, city): counting entries counts practices.
            practice_count=Count("entries", filter=Q(entries__practice__status=Status.PUBLISHED))
        ).order_by("province__adcode", "adcode", "name")


@extend_schema_view(
    list=extend_schema(summary="已发布的案例报道（可筛选）"),
    retrieve=extend_schema(summary="一篇案例报道：正文、相关典型做法和指标"),
)
class CaseReportViewSet(FacetedListMixin, ReadOnlyViewSet):
    """Published case reports; filters as on /case-reports/ (province, city, category, q).

    A report is addressed by its natural key, ``<source slug>/<position>``, as its page is
    (``/api/case-reports/004/4/``). A bare number is the old, id-based address: it redirects
    permanently to the natural one, and only for a published report.
    """

    public_list = lists.CASE_REPORTS
    lookup_url_kwarg = "key"
    # Wide, so that a malformed key gets the API's JSON 404 rather than the router's HTML one.
    lookup_value_regex = r"[^/.]+(?:/[^/.]+)?"

    def retrieve(self, request, *args, **kwargs):
        key = self.lookup_value()
        if "/" in key:
            return super().retrieve(request, *args, **kwargs)
        if not (key.isascii() and key.isdigit() and len(key) < 19):  # 19 digits overflow a bigint
            raise Http404(_("没有这篇案例报道。"))
        try:
            report = case_report_by_id(pk=int(key))
        except CaseReport.DoesNotExist as exc:
            raise Http404(_("没有这篇案例报道。")) from exc
        location = reverse("api:case-report-detail", kwargs={"key": f"{report.source.slug}/{report.position}"})
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{location}?{query}" if query else location)

    def get_object(self) -> CaseReport:
        source_slug, position = self.lookup_value().split("/")
        # No source has a billion reports; the bound keeps the query inside an integer.
        if not (position.isascii() and position.isdigit() and len(position) <= 9):
            raise Http404(_("没有这篇案例报道。"))
        try:
            report = self.get_queryset().get(source__slug=source_slug, position=int(position))
        except CaseReport.DoesNotExist as exc:
            raise Http404(_("没有这篇案例报道。")) from exc
        self.check_object_permissions(self.request, report)
        return report

    def get_queryset(self) -> QuerySet[CaseReport]:
        queryset = CaseReport.objects.published().select_related("province", "source").prefetch_related(
            Prefetch("cities", queryset=City.objects.select_related("province").order_by("adcode", "name")),
            Prefetch("categories", queryset=Category.objects.order_by("number")),
        )
        if self.action == "retrieve":
            # Only links a visitor may follow: published practices, not rejected by staff.
            links = (
                RelatedPractice.objects.filter(practice__status=Status.PUBLISHED).exclude(confirmed=False)
                .select_related("practice").order_by("rank")
            )
            queryset = queryset.prefetch_related(
                Prefetch("practice_links", queryset=links, to_attr="public_practice_links"),
                Prefetch("metrics", queryset=Metric.objects.order_by("position")),
            )
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.CaseReportDetailSerializer
        return serializers.CaseReportSerializer


@extend_schema_view(
    list=extend_schema(summary="典型做法和案例报道的量化指标（可筛选）"),
    retrieve=extend_schema(summary="一个指标"),
)
class MetricViewSet(FacetedListMixin, ReadOnlyViewSet):
    """Metrics extracted from published practices and case reports; filters as on /metrics/."""

    public_list = lists.METRICS
    serializer_class = serializers.MetricSerializer

    def get_queryset(self) -> QuerySet[Metric]:
        return Metric.objects.published().select_related(
            "entry__practice__category", "entry__city__province", "case_report__source",
        )
