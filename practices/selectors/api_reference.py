"""The API reference at /api/docs/: the OpenAPI schema's operations as plain data for a server-rendered page.

The page is built from the very schema clients download (/api/schema/, drf-spectacular), so it
cannot drift from the API. It replaces Swagger UI, whose script-built page failed the
accessibility checks (buttons nesting links, landmarks inside landmarks) and needed JavaScript
to show anything. The schema depends on the catalogue (its enums hold the values the database
has), so the data is cached per catalogue revision like the other aggregates.
"""
from __future__ import annotations

import re

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.generators import SchemaGenerator

from ..catalogue_cache import catalogue_cached

# An enum longer than this lists its first values and says how many there are in all.
SHOWN_ENUM_VALUES = 12
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_METHODS = ("get", "post", "put", "patch", "delete")


def api_reference() -> list[dict]:
    """[{"tag", "operations": [{"id", "method", "path", "summary", "paragraphs", "parameters",
    "responses", "example"}]}] in the schema's order; a parameter is {"name", "where", "required", "type", "values",
    "description"}, a response {"status", "description", "content"}."""
    return catalogue_cached("api_reference", {"language": get_language()}, _compute)


def _compute() -> list[dict]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    groups: dict[str, list[dict]] = {}
    for path, item in schema.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["api"])[0]
            groups.setdefault(tag, []).append(_operation(path, method, operation))
    return [{"tag": tag, "operations": operations} for tag, operations in groups.items()]


def _operation(path: str, method: str, operation: dict) -> dict:
    parameters = [_parameter(p) for p in operation.get("parameters", [])]
    example = path.replace("{id}", "1").replace("{number}", "1")
    return {
        "id": operation.get("operationId", f"{method}-{path}"),
        "method": method.upper(),
        "path": path,
        "summary": operation.get("summary", ""),
        "paragraphs": _paragraphs(operation.get("description", "")),
        "parameters": parameters,
        "responses": [
            {"status": status, "description": response.get("description", ""),
             "content": ", ".join(response.get("content", {}))}
            for status, response in sorted(operation.get("responses", {}).items())
        ],
        # A GET without path parameters can be tried by following a link.
        "example": example if method == "get" and "{" not in example else "",
    }


def _paragraphs(text: str) -> list[str]:
    """A docstring-style description as paragraphs: wrapped lines joined, ``literal`` marks dropped."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        joined = ""
        for line in lines:
            # Chinese lines join without a space; Latin ones with one.
            glue = "" if not joined or _CJK.match(joined[-1]) or _CJK.match(line[0]) else " "
            joined += glue + line
        if joined:
            paragraphs.append(joined.replace("``", ""))
    return paragraphs


def _parameter(parameter: dict) -> dict:
    schema = parameter.get("schema", {})
    return {
        "name": parameter.get("name", ""),
        "where": parameter.get("in", ""),
        "required": bool(parameter.get("required")),
        "type": _type(schema),
        "values": _values(schema),
        "description": parameter.get("description", ""),
    }


def _type(schema: dict) -> str:
    kind = schema.get("type", "")
    if kind == "array":
        return _("%(item)s 的数组") % {"item": _type(schema.get("items", {}))}
    return f"{kind} ({schema['format']})" if schema.get("format") else kind


def _values(schema: dict) -> str:
    """The constraints a value must meet, as one line: the allowed values, bounds, length, default."""
    parts = []
    if enum := schema.get("enum"):
        shown = ", ".join(str(value) for value in enum[:SHOWN_ENUM_VALUES])
        more = _("……共 %(count)s 个") % {"count": len(enum)} if len(enum) > SHOWN_ENUM_VALUES else ""
        parts.append(shown + more)
    if "minimum" in schema or "maximum" in schema:
        parts.append(f"{schema.get('minimum', '')}–{schema.get('maximum', '')}")
    if "maxLength" in schema:
        parts.append(_("不超过 %(count)s 个字符") % {"count": schema["maxLength"]})
    if "default" in schema:
        parts.append(_("默认 %(value)s") % {"value": schema["default"]})
    return _("；").join(parts)
