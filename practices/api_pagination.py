"""The API's pagination: ``{count, next, previous, results}``, strict ``page`` and ``page_size``.

A list with facets (``api.FacetedListMixin``) adds ``description`` and
``facets``; its pagination documents them in the schema.
"""
from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

from . import params
from .pagination import KeysFirstPaginator
from .problems import InvalidParameters

# Big enough for bulk use (the whole catalogue is 72 practices), small enough
# to bound the response; bulk downloads are what the exports are for.
MAX_PAGE_SIZE = 100


class CataloguePagination(PageNumberPagination):
    """``{count, next, previous, results}``; ``page_size`` from 1 to MAX_PAGE_SIZE.

    Strict (``practices.params``): a malformed ``page`` or ``page_size`` is a 400
    (``problems()``, checked before the view runs), a page past the last a 404.
    """

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    django_paginator_class = KeysFirstPaginator  # deep pages read their keys first (practices/pagination.py)

    def problems(self, request) -> list[params.InvalidParam]:
        _number, page_problem = params.page_number(request.query_params, name=self.page_query_param)
        _size, size_problem = params.page_size(request.query_params, name=self.page_size_query_param,
                                               default=self.page_size, maximum=self.max_page_size)
        return [problem for problem in (page_problem, size_problem) if problem is not None]

    def get_page_size(self, request) -> int:
        size, problem = params.page_size(request.query_params, name=self.page_size_query_param,
                                         default=self.page_size, maximum=self.max_page_size)
        if problem is not None:
            raise InvalidParameters([problem])
        return size

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        number, problem = params.page_number(request.query_params, name=self.page_query_param)
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        if problem is not None:
            raise InvalidParameters([problem])
        if number > paginator.num_pages:
            raise NotFound(_("没有第 %(page)s 页：共 %(pages)s 页。") % {"page": number, "pages": paginator.num_pages})
        self.page = paginator.page(number)
        self.display_page_controls = paginator.num_pages > 1 and self.template is not None
        return list(self.page)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1, "maximum": 10**params.MAX_DIGITS - 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size, "default": self.page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


FACET_SCHEMA = {
    "type": "object",
    "properties": {
        "value": {"type": "string"}, "label": {"type": "string"}, "count": {"type": "integer"},
        "selected": {"type": "boolean"}, "toggle_url": {"type": "string", "format": "uri"},
    },
}


class FacetedPagination(CataloguePagination):
    """The paginated shape plus ``description`` (the filters in one sentence) and ``facets``.

    The viewset adds both after paginating (see ``FacetedListMixin``); this
    class only documents them in the schema.
    """

    # Set by FacetedListMixin before paginating: the (cached) count of the filtered list.
    known_count: int | None = None

    def django_paginator_class(self, queryset, page_size):
        paginator = KeysFirstPaginator(queryset, page_size)
        if self.known_count is not None:
            paginator.count = self.known_count  # shadows the cached_property: no COUNT query
        return paginator

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["description"] = {"type": "string", "example": "全部典型做法，共 72 项"}
        response["properties"]["facets"] = {
            "type": "object", "additionalProperties": {"type": "array", "items": FACET_SCHEMA},
        }
        return response
