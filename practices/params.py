"""Strict query parameters, one rule for the pages, the API and the exports.

A malformed value is refused, never ignored: ``has_metrics=maybe`` would
otherwise return every practice as if it had not been given. Where a value is
refused, the API and the exports answer 400 (``practices.problems``) naming
the parameter and the values it takes; a page shows its empty state with the
same sentence.

* Booleans take true/false, 1/0 or yes/no, in any case.
* Page numbers and sizes are plain ASCII digits ("²".isdigit() is true, but
  int("²") fails), within bounds.
* ``lang`` picks the language of the API's and the exports' messages (they
  are language-neutral addresses, so the language cannot be in the path; a
  header would make a cached response vary by it, a parameter keys it by URL).
"""
from __future__ import annotations

from dataclasses import dataclass

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

TRUE_VALUES = ("true", "1", "yes")
FALSE_VALUES = ("false", "0", "no")
BOOLEAN_CHOICES = ("true", "false", "1", "0", "yes", "no")
# Ten digits already exceed any page a list can have; more would only overflow the database's integers.
MAX_DIGITS = 9
#: The languages of ``lang``: settings.LANGUAGES' codes (zh-hans is the default).
LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)


def _list_separator() -> str:
    """The separator of an enumeration in the current language ("、" in Chinese, ", " in English)."""
    return gettext("、")


def shown_value(value: object, *, limit: int = 40) -> str:
    """``value`` fit to quote in a message: control characters (NUL …) as �, at most ``limit`` characters."""
    text = "".join("\ufffd" if ord(char) < 32 or 0x7F <= ord(char) < 0xA0 else char for char in str(value))
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(frozen=True)
class InvalidParam:
    """One refused query parameter: its name and why (one sentence naming the value and what is allowed)."""

    name: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "reason": str(self.reason)}


class StrictBooleanField(forms.Field):
    """True, False or None (not given); any other text is an error naming the values allowed."""

    default_error_messages = {
        "invalid": _("“%(value)s”不是布尔值：只能是 %(choices)s（不区分大小写）。"),
    }

    def to_python(self, value):
        if value in (None, ""):
            return None
        # Only "" is "not given": blanks are a value, and not a boolean (the schema's type says so).
        text = value.lower() if isinstance(value, str) else value
        if text is True or text in TRUE_VALUES:
            return True
        if text is False or text in FALSE_VALUES:
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid",
                              params={"value": shown_value(value), "choices": _list_separator().join(BOOLEAN_CHOICES)})

    def validate(self, value):
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.Filter):
    """A boolean filter that refuses what it cannot read (django-filter's own ignores it)."""

    field_class = StrictBooleanField


class StrictIntegerField(forms.IntegerField):
    """An integer written in plain ASCII digits, nothing around them; "" is "not given".

    Django's own strips blanks and reads " 5" or "５" as 5, which the schema's integer type does not allow.
    """

    def to_python(self, value):
        if value in (None, ""):
            return None
        if not (isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(value)


def positive_integer(text: str, *, maximum: int | None = None) -> int | None:
    """``text`` as an integer from 1 to ``maximum``, or None when it is not one."""
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS):
        return None
    number = int(text)
    if number < 1 or (maximum is not None and number > maximum):
        return None
    return number


def page_number(params: QueryDict, *, name: str = "page") -> tuple[int, InvalidParam | None]:
    """(the requested page, 1 when not given; the problem when the value is not a page number)."""
    text = params.get(name, "")
    if text == "":
        return 1, None
    number = positive_integer(text)
    if number is None:
        return 1, InvalidParam(name, gettext("页码“%(value)s”无效：参数 %(name)s 只能是从 1 开始的整数。") % {
            "value": shown_value(text), "name": name,
        })
    return number, None


def page_size(params: QueryDict, *, name: str, default: int, maximum: int,
              choices: tuple[int, ...] = ()) -> tuple[int, InvalidParam | None]:
    """(the requested page size, ``default`` when not given; the problem when it is not an allowed size).

    ``choices`` limits the sizes to those (the pages' menu); otherwise any size from 1 to ``maximum``.
    """
    text = params.get(name, "")
    if text == "":
        return default, None
    number = positive_integer(text, maximum=maximum)
    if number is not None and (not choices or number in choices):
        return number, None
    if choices:
        allowed = gettext("%(choices)s 之一") % {"choices": _list_separator().join(str(choice) for choice in choices)}
    else:
        allowed = gettext("1 到 %(maximum)s 的整数") % {"maximum": maximum}
    return default, InvalidParam(name, gettext("每页条数“%(value)s”无效：参数 %(name)s 只能是 %(allowed)s。") % {
        "value": shown_value(text), "name": name, "allowed": allowed,
    })


def requested_language(params: QueryDict) -> tuple[str, InvalidParam | None]:
    """(the language of ``lang``, the default when not given or refused; the problem when refused)."""
    text = params.get("lang", "")
    if text == "":
        return settings.LANGUAGE_CODE, None
    if text in LANGUAGE_CODES:
        return text, None
    return settings.LANGUAGE_CODE, InvalidParam("lang", gettext("语言“%(value)s”无效：参数 lang 只能是 %(choices)s。") % {
        "value": shown_value(text), "choices": _list_separator().join(LANGUAGE_CODES),
    })


def invalid_params_sentence(problems: list[InvalidParam]) -> str:
    """One sentence naming every refused parameter: "参数无效：page_size、has_metrics。"."""
    return gettext("参数无效：%(names)s。") % {"names": _list_separator().join(problem.name for problem in problems)}


# What a lookup parameter takes, for the reason of a refusal (the values themselves are in the schema's enums).
LOOKUP_ALLOWED = {
    "category": _("类别的编号、短名或名称（见 /api/categories/）"),
    "city": _("城市的短名或中文名（见 /api/cities/）"),
    "province": _("省份的短名或中文名（见 /api/provinces/）"),
    "unit": _("已发布指标的标准单位之一（见 /api/metrics/ 的 facets.unit）"),
}


def allowed_text(name: str, filter_) -> str:
    """What parameter ``name`` (a django-filter Filter) accepts, in words; "" when its message says it."""
    choices = filter_.extra.get("choices")
    if choices:
        values = [str(value) for value, _label in (choices() if callable(choices) else choices)]
        return gettext("可用的值：%(values)s。") % {"values": _list_separator().join(values)}
    if name in LOOKUP_ALLOWED:
        return gettext("可用的值：%(values)s。") % {"values": LOOKUP_ALLOWED[name]}
    low, high = filter_.extra.get("min_value"), filter_.extra.get("max_value")
    if low is not None and high is not None:
        return gettext("可用的值：%(low)s 到 %(high)s 的整数。") % {"low": low, "high": high}
    return ""


def filter_problems(filterset) -> list[InvalidParam]:
    """Every refused value of a FilterSet as InvalidParam rows: its messages, the value, what is allowed."""
    problems = []
    for name, messages in filterset.form.errors.items():
        reason = "".join(str(message) for message in messages)
        value = filterset.data.get(name, "")
        if shown_value(value) not in reason:
            reason = gettext("“%(value)s”：%(reason)s") % {"value": shown_value(value), "reason": reason}
        problems.append(InvalidParam(name, reason + allowed_text(name, filterset.filters[name])))
    return problems
