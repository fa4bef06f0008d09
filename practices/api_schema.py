"""What the OpenAPI schema says beyond what drf-spectacular reads from the views (a postprocessing hook).

* Every operation documents its errors: 400 (a refused parameter), 404 (no such
  record, or a page past the last), 429 (a rate limit in front of the site) and
  503 (the database cannot serve right now), each an RFC 9457 problem document,
  the one ``Problem`` component (``practices.problems``).
* The lookup parameters take the values the database holds when the schema is
  generated: ``category`` (number, slug or name), ``city`` and ``province``
  (slug or Chinese name), ``unit`` (a published metric's standard unit). Any
  other value is refused with a 400, so an enum is the truth; the committed
  ``docs/openapi.yaml`` is generated from the loaded catalogue (``make schema``).
* Every operation takes ``lang`` (``practices.params.requested_language``).
* Path ids are integers from 1; free text has its length bound.
* The schema is the same whichever database generates it (no backend integer limits).
"""
from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError

from .filters import MAX_QUERY_LENGTH
from .params import LANGUAGE_CODES
from .problems import PROBLEM_CONTENT_TYPE

INVALID_PARAM_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "查询参数名"},
        "reason": {"type": "string", "description": "为什么不接受这个值，以及可用的值"},
    },
    "required": ["name", "reason"],
}
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 问题详情：API 和导出的每个错误都是这个格式，文字使用响应的语言（lang）。",
    "properties": {
        "type": {"type": "string", "description": "问题类型；about:blank 表示由状态码说明", "example": "about:blank"},
        "title": {"type": "string", "description": "状态码的简短说明", "example": "请求参数无效"},
        "status": {"type": "integer", "description": "HTTP 状态码", "example": 400},
        "detail": {"type": "string", "description": "这次请求出了什么问题", "example": "参数无效：page_size。"},
        "invalid_params": {
            "type": "array", "items": {"$ref": "#/components/schemas/InvalidParam"},
            "description": "每个被拒绝的查询参数（没有时为空列表）",
        },
    },
    "required": ["type", "title", "status", "detail", "invalid_params"],
}
ERROR_RESPONSES = {
    "400": "查询参数无效：invalid_params 列出每个参数、原因和可用的值",
    "404": "没有这条记录（或未发布），或页码超过最后一页",
    "429": "请求过于频繁，请按 Retry-After 等待后重试",
    "503": "数据库暂时无法访问，请按 Retry-After 等待后重试",
}
LANG_PARAMETER = {
    "in": "query",
    "name": "lang",
    "schema": {"type": "string", "enum": list(LANGUAGE_CODES), "default": settings.LANGUAGE_CODE},
    "description": "响应（说明、分面标签和错误信息）的语言：zh-hans（默认）或 en",
    "allowEmptyValue": True,
}
# The old id addresses of case reports redirect to the natural key (api.CaseReportViewSet.retrieve).
MOVED_RESPONSE = {
    "description": "旧的编号地址：永久重定向到 /api/case-reports/<来源短名>/<顺序>/",
    "headers": {"Location": {"schema": {"type": "string"}, "description": "案例报道的新地址"}},
}
PARAMETER_DESCRIPTIONS = {
    "category": "类别：编号、短名或名称",
    "city": "城市：短名或中文名（“市”可省略）",
    "province": "省份：短名或中文名（“省”“市”“自治区”可省略）",
    "unit": "标准单位（已发布指标的标准单位之一）",
    "has_metrics": "是否有量化指标：true/false，也接受 1/0、yes/no（不区分大小写）；其他值返回 400",
}
# An existing record for each detail route, so that a reader (and a generated test) can try one.
PATH_EXAMPLES = {
    "practices_retrieve": 1, "categories_retrieve": "rongzi-nanti", "provinces_retrieve": "zhejiang",
    "cities_retrieve": "qingdao", "case_reports_retrieve": "004/1",
}
# Free-text parameters: their length bound (the FilterSets refuse longer values).
TEXT_BOUNDS = {"q": MAX_QUERY_LENGTH, "measure": 20}
NO_NUL_PATTERN = r"^[^\x00]*$"


def _unique(values) -> list[str]:
    return list(dict.fromkeys(str(value) for value in values if value not in (None, "")))


def lookup_enums() -> dict[str, list[str]]:
    """{parameter: the values it accepts}, read from the database (in the order of its index pages)."""
    from .models import Category, City, Metric, Province
    from .selectors.lookups import PROVINCE_SUFFIXES

    categories = list(Category.objects.order_by("number").values_list("number", "slug", "name"))
    cities = list(City.objects.order_by("province__adcode", "adcode", "name", "slug").values_list("slug", "name"))
    provinces = list(Province.objects.order_by("adcode", "name", "slug").values_list("slug", "name"))

    def stem(name: str) -> str:
        for suffix in PROVINCE_SUFFIXES:
            name = name.removesuffix(suffix)
        return name

    units = Metric.objects.published().exclude(normalized_unit="").values_list("normalized_unit", flat=True)
    return {
        "category": _unique([number for number, _slug, _name in categories]
                            + [slug for _number, slug, _name in categories]
                            + [name for _number, _slug, name in categories]),
        "city": _unique([slug for slug, _name in cities] + [name for _slug, name in cities]
                        + [name.removesuffix("市") for _slug, name in cities]),
        "province": _unique([slug for slug, _name in provinces] + [name for _slug, name in provinces]
                            + [stem(name) for _slug, name in provinces]),
        "unit": sorted(set(units.distinct().order_by())),
    }


# The integer bounds drf-spectacular reads from the database backend (SQLite's 64-bit default,
# PostgreSQL's smallint/integer/bigint): engine facts, not the API's, and they would make the
# schema differ by database.
DATABASE_INTEGER_LIMITS = {2**15 - 1, 2**31 - 1, 2**63 - 1}


def _without_database_bounds(node) -> None:
    """Drop, in place, the integer maxima and int64 formats that only say which database generated it."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            if node.get("maximum") in DATABASE_INTEGER_LIMITS:
                del node["maximum"]
            if node.get("format") == "int64":
                del node["format"]
        for value in node.values():
            _without_database_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _without_database_bounds(value)


def _error_response(description: str) -> dict:
    return {"description": description,
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def postprocess_schema(result: dict, generator, request, public) -> dict:
    """drf-spectacular's POSTPROCESSING_HOOKS entry: errors, enums, lang and bounds on every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["InvalidParam"] = INVALID_PARAM_SCHEMA
    try:
        enums = lookup_enums()
    except DatabaseError:
        # No catalogue to read (`manage.py check --deploy` on an unmigrated database): plain strings.
        enums = {}
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            parameters = [parameter for parameter in operation.get("parameters", []) if parameter["name"] != "lang"]
            for parameter in parameters:
                schema, name = parameter.setdefault("schema", {}), parameter["name"]
                if parameter["in"] == "query" and name in PARAMETER_DESCRIPTIONS:
                    parameter["description"] = PARAMETER_DESCRIPTIONS[name]
                if parameter["in"] == "query" and name in enums:
                    parameter["schema"] = {"type": "string", "enum": enums[name]}
                elif parameter["in"] == "query" and name in TEXT_BOUNDS:
                    # Django's forms refuse NUL (PostgreSQL cannot store it in text).
                    schema.update({"maxLength": TEXT_BOUNDS[name], "pattern": NO_NUL_PATTERN})
                elif parameter["in"] == "path" and schema.get("type") == "integer":
                    schema["minimum"] = 1
                if parameter["in"] == "path" and operation.get("operationId") in PATH_EXAMPLES:
                    parameter["example"] = PATH_EXAMPLES[operation["operationId"]]
                if parameter["in"] == "query":
                    # An empty value is "not given" (a form's blank field), for every query parameter.
                    parameter["allowEmptyValue"] = True
            parameters.append(LANG_PARAMETER)
            operation["parameters"] = sorted(parameters, key=lambda parameter: (parameter["in"], parameter["name"]))
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                responses[status] = _error_response(description)
            if operation.get("operationId") == "case_reports_retrieve":
                responses["301"] = MOVED_RESPONSE
            operation["responses"] = dict(sorted(responses.items()))
    for component in schemas.values():
        # A list item's excerpt is there only when the list was searched (serializers.SearchExcerptMixin).
        if "excerpt" in component.get("required", []):
            component["required"] = [name for name in component["required"] if name != "excerpt"]
    _without_database_bounds(result)
    return result
