"""Widgets: how one cell is cleaned on import and rendered on export."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist
from import_export import widgets

from ..models import Category, City
from .cells import LIST_SEPARATOR, city_label, resolve_city, split_list
from .formulas import restore_value


class NameForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key written as a plain name/number; an unknown value is a row error."""

    def __init__(self, model, field, label, **kwargs):
        self.label = label
        # One query per distinct value of an import, not per row. Each Resource instance has its own
        # copy of its fields and widgets (django-import-export deep-copies them), so this lives for
        # one import or export.
        self._found: dict = {}
        super().__init__(model, field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        value = restore_value(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            value = value.strip()
        key = str(value)
        if key in self._found:
            return self._found[key]
        try:
            found = super().clean(value, row=row, **kwargs)
        except (ObjectDoesNotExist, MultipleObjectsReturned, ValueError, TypeError) as exc:
            raise ValueError(f"未知{self.label}：{value}") from exc
        self._found[key] = found
        return found

    def get_queryset(self, value, row, *args, **kwargs):
        queryset = super().get_queryset(value, row, *args, **kwargs)
        # A source document's text (megabytes) is not needed to point at it.
        return queryset.defer(*(f for f in ("raw_text", "non_article_parts")
                                if any(f == x.name for x in self.model._meta.concrete_fields)))

    def render(self, value, obj=None, **kwargs):
        rendered = super().render(value, obj, **kwargs)
        return "" if rendered is None else str(rendered)


class CityListWidget(widgets.ManyToManyWidget):
    """Cities by name, ";"-separated, order kept; "名称（省份）" for homonyms. Unknown names are errors."""

    def __init__(self, **kwargs):
        super().__init__(City, separator=LIST_SEPARATOR, field="name", **kwargs)

    def clean(self, value, row=None, **kwargs):
        return [resolve_city(name) for name in split_list(value)]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        cities = value.all() if hasattr(value, "all") else value
        return LIST_SEPARATOR.join(city_label(city) for city in cities)


class CategoryListWidget(widgets.ManyToManyWidget):
    """Categories by number, ";"-separated. Unknown numbers are errors."""

    def __init__(self, **kwargs):
        super().__init__(Category, separator=LIST_SEPARATOR, field="number", **kwargs)

    def clean(self, value, row=None, **kwargs):
        found = []
        for token in split_list(value):
            try:
                found.append(Category.objects.get(number=int(Decimal(token))))
            except (Category.DoesNotExist, InvalidOperation, ValueError) as exc:
                raise ValueError(f"未知类别编号：{token}") from exc
        return found

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        # Sorted here, not with order_by(): that would bypass the prefetched categories (a query per row).
        categories = value.all() if hasattr(value, "all") else value
        return LIST_SEPARATOR.join(str(c.number) for c in sorted(categories, key=lambda c: c.number))


class PlainDecimalWidget(widgets.DecimalWidget):
    """Decimals without trailing zeros or locale formatting: 5.1, 8468."""

    def clean(self, value, row=None, **kwargs):
        value = restore_value(value)
        if self.is_empty(value):
            return None
        try:
            return Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation as exc:
            raise ValueError(f"不是数字：{value}") from exc

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        text = format(Decimal(value).normalize(), "f")
        return text


class PlainIntegerWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        value = restore_value(value)
        if self.is_empty(value):
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"不是整数：{value}") from exc
        if number != number.to_integral_value():
            raise ValueError(f"不是整数：{value}")
        return int(number)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class TextWidget(widgets.CharWidget):
    """Text with the formula quote removed and Windows line ends normalised."""

    def clean(self, value, row=None, **kwargs):
        value = restore_value(value)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).replace("\r\n", "\n")


class ChoiceWidget(widgets.Widget):
    """A choice written as its code ("draft") or its Chinese label ("草稿")."""

    def __init__(self, choices, label, **kwargs):
        self.choices = choices
        self.label = label
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        value = str(restore_value(value) or "").strip()
        for code, name in self.choices.choices:
            if value in (code, str(name)):
                return code
        allowed = "、".join(f"{code}（{name}）" for code, name in self.choices.choices)
        raise ValueError(f"{self.label}只能是 {allowed}，不能是“{value}”")

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class StrictBooleanWidget(widgets.Widget):
    TRUE = ("1", "true", "yes", "是", "y")
    FALSE = ("0", "false", "no", "否", "n", "")

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            value = str(int(value))
        text = str(restore_value(value) or "").strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"只能填 1/0 或 是/否，不能是“{value}”")

    def render(self, value, obj=None, **kwargs):
        return "1" if value else "0"
