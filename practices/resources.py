"""django-import-export Resources: the one column layout of imports and exports.

The admin (import, export, the import template) and the public exports
(/practices/export.csv|.xlsx|.json) use these classes, so a file exported
anywhere can be edited and imported again.

Rules shared by every Resource
------------------------------
* Rows are addressed by business keys (``import_id_fields``), never by ids:
  practice and category ``number``, province ``name``, city ``name`` +
  ``province``, case report ``source`` + ``position``, metric owner +
  ``position``.
* Foreign keys are written as plain names or numbers (``ForeignKeyWidget``
  with ``field=``), never as JSON natural keys. Unknown names are row errors,
  also in many-to-many columns (django-import-export's ManyToManyWidget would
  drop them silently).
* ``skip_unchanged``: a row equal to the database is reported as skipped and
  not written; ``clean_model_instances``: every row passes ``full_clean()``.
* Missing or unknown column headers and repeated keys are errors naming the
  row; any error means nothing is written (the admin imports in one
  transaction and rolls back on validation errors too).
* Formula neutralisation: spreadsheet exports (CSV, XLSX) prefix a text cell
  that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return with
  a single quote ``'`` so that Excel/WPS show it as text instead of running
  it. Imports remove exactly that one quote again, so files round-trip.
* Public use: ``published_only`` (default True) restricts exports to
  published records (drafts never leak); the admin passes
  ``published_only=False``. Resources can be built without a request.

Practice entries
----------------
``cities`` lists the reporting cities in source order, separated by ";"
("青岛市;江阴市"). ``entries`` holds each city's text, in the same order, each
introduced by the city in 【】 at the start of a line::

    【青岛市】研发“青易办”企业开办掌上智能平台……
    【江阴市】推广“新办套餐”智能审批……

The markers must match ``cities`` exactly, in order. On import the listed
entries are created or updated and entries of cities no longer listed are
deleted (which needs the delete permission). A city name that exists in two
provinces is written "名称（省份）".
"""
from __future__ import annotations

import codecs
import json
import re
from decimal import Decimal, InvalidOperation

import tablib
from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from import_export import fields, resources, widgets
from import_export.formats import base_formats

from .models import (
    CaseReport,
    Category,
    City,
    Metric,
    Practice,
    PracticeEntry,
    Province,
    SourceDocument,
    Status,
)

LIST_SEPARATOR = ";"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ENTRY_MARKER = "【{}】"


# --------------------------------------------------------------------------- formulas


def neutralize_value(value):
    """Prefix a formula-like text cell with ``'`` (see the module docstring)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def restore_value(value):
    """Undo :func:`neutralize_value`: drop one ``'`` before = + - @ tab or CR."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def neutralize_formulas(dataset: tablib.Dataset) -> tablib.Dataset:
    """Neutralise every formula-like text cell of ``dataset`` in place; returns it."""
    rows = [[neutralize_value(cell) for cell in row] for row in dataset]
    headers = dataset.headers
    dataset.wipe()
    dataset.headers = headers
    for row in rows:
        dataset.append(row)
    return dataset


# --------------------------------------------------------------------------- formats


class ImportDecodeError(ValueError):
    """An uploaded text file is neither UTF-8 nor GB18030."""


class ImportHeaderError(ValueError):
    """The header row of an import file does not match the Resource's columns."""


def decode_upload(data: bytes | str) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (Excel "CSV" on Chinese Windows, a superset of GBK)."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return codecs.decode(data, encoding)
        except UnicodeDecodeError:
            continue
    raise ImportDecodeError(
        "无法识别文件编码：请把文件另存为 UTF-8（可带 BOM）或 GB18030/GBK 编码的 CSV 后重新导入。"
    )


class CSV(base_formats.CSV):
    """CSV: reads UTF-8/UTF-8-BOM/GB18030, writes UTF-8 with BOM and neutralised formulas."""

    def create_dataset(self, in_stream, **kwargs):
        return tablib.import_set(decode_upload(in_stream), format="csv", **kwargs)

    def export_data(self, dataset, **kwargs):
        return "\ufeff" + super().export_data(neutralize_formulas(dataset), **kwargs)


class XLSX(base_formats.XLSX):
    """XLSX with neutralised formulas."""

    def export_data(self, dataset, **kwargs):
        return super().export_data(neutralize_formulas(dataset), **kwargs)


class JSON(base_formats.JSON):
    """JSON (UTF-8, Chinese unescaped); no formula escaping: JSON is not a spreadsheet."""

    def create_dataset(self, in_stream, **kwargs):
        return tablib.import_set(decode_upload(in_stream), format="json", **kwargs)

    def export_data(self, dataset, **kwargs):
        return json.dumps(dataset.dict, ensure_ascii=False, indent=2, default=str) + "\n"


FORMATS = (CSV, XLSX, JSON)


# --------------------------------------------------------------------------- widgets


class NameForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key written as a plain name/number; an unknown value is a row error."""

    def __init__(self, model, field, label, **kwargs):
        self.label = label
        super().__init__(model, field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        value = restore_value(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            value = value.strip()
        try:
            return super().clean(value, row=row, **kwargs)
        except (ObjectDoesNotExist, MultipleObjectsReturned, ValueError, TypeError) as exc:
            raise ValueError(f"未知{self.label}：{value}") from exc

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


# --------------------------------------------------------------------------- helpers


def split_list(value) -> list[str]:
    value = restore_value(value)
    if value is None:
        return []
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("；", LIST_SEPARATOR)
    return [token.strip() for token in text.split(LIST_SEPARATOR) if token.strip()]


_CITY_WITH_PROVINCE = re.compile(r"^(?P<city>[^（(]+)[（(](?P<province>[^）)]+)[）)]$")


def resolve_city(label: str) -> City:
    """"青岛市" or, for a name used in two provinces, "台州市（浙江省）"; ValueError if unknown."""
    label = label.strip()
    match = _CITY_WITH_PROVINCE.match(label)
    lookup = (
        {"name": match["city"].strip(), "province__name": match["province"].strip()}
        if match else {"name": label}
    )
    found = list(City.objects.filter(**lookup).select_related("province")[:2])
    if not found:
        raise ValueError(f"未知城市：{label}")
    if len(found) > 1:
        raise ValueError(f"城市名“{label}”在多个省份中出现，请写成“{label}（省份）”")
    return found[0]


def homonym_names() -> frozenset[str]:
    """City names used in more than one province (written "名称（省份）")."""
    return frozenset(
        City.objects.order_by().values("name").annotate(n=models.Count("pk")).filter(n__gt=1)
        .values_list("name", flat=True)
    )


def city_label(city: City, homonyms: frozenset[str] | None = None) -> str:
    """"青岛市", or "台州市（浙江省）" when another province has a city of the same name."""
    if homonyms is None:
        homonyms = homonym_names()
    return city_name_label(city.name, city.province.name, homonyms)


def city_name_label(name: str, province: str, homonyms: frozenset[str]) -> str:
    """city_label from the names alone (for rows read as tuples)."""
    return f"{name}（{province}）" if name in homonyms else name


def render_entries(pairs, homonyms: frozenset[str] | None = None) -> str:
    """[(City, text), …] -> "【青岛市】…\n【江阴市】…"."""
    homonyms = homonym_names() if homonyms is None else homonyms
    return render_labelled_entries((city_label(city, homonyms), text) for city, text in pairs)


def render_labelled_entries(pairs) -> str:
    """[(city label, text), …] -> "【青岛市】…\n【江阴市】…"."""
    return "\n".join(ENTRY_MARKER.format(label) + text for label, text in pairs)


def parse_entries(value: str, labels: list[str]) -> list[str]:
    """Split the ``entries`` cell into one text per city label, in order; ValueError on mismatch."""
    text = (value or "").replace("\r\n", "\n")
    if not labels:
        raise ValueError("至少要有一个城市（cities 列）")
    first = ENTRY_MARKER.format(labels[0])
    if not text.startswith(first):
        raise ValueError(f"entries 必须以“{first}”开头，并按 cities 列的顺序给出每个城市的段落")
    starts = [0]
    cursor = len(first)
    for label in labels[1:]:
        marker = "\n" + ENTRY_MARKER.format(label)
        found = text.find(marker, cursor)
        if found == -1:
            raise ValueError(f"entries 中缺少“{ENTRY_MARKER.format(label)}”段落（须按 cities 列的顺序另起一行）")
        starts.append(found + 1)
        cursor = found + len(marker)
    texts = []
    for index, label in enumerate(labels):
        begin = starts[index] + len(ENTRY_MARKER.format(label))
        end = starts[index + 1] - 1 if index + 1 < len(starts) else len(text)
        body = text[begin:end].strip()
        if not body:
            raise ValueError(f"{label} 的段落是空的")
        if re.search(r"^【[^】\n]{1,30}】", body, flags=re.MULTILINE):
            raise ValueError(f"{label} 的段落里出现了 cities 列之外的城市标记，请核对 cities 与 entries")
        texts.append(body)
    return texts


def _has_perm(user, codename: str) -> bool:
    return user is None or user.has_perm(f"practices.{codename}")


def check_status_change(resource, instance, errors: dict, codename: str, label: str) -> None:
    """Publishing or withdrawing through an import needs ``codename``; sets ``published_at``."""
    if "status" in errors:
        return
    model = type(instance)
    was = model._default_manager.filter(pk=instance.pk).values_list("status", flat=True).first() if instance.pk else None
    if instance.status == (was or Status.DRAFT):
        return
    if not _has_perm(resource.user, codename):
        errors["status"] = ValidationError(f"你没有发布或撤回{label}的权限（需要审核角色）")
        return
    instance.published_at = timezone.now() if instance.status == Status.PUBLISHED else None


# --------------------------------------------------------------------------- base


class CatalogueResource(resources.ModelResource):
    """Natural keys, strict headers, duplicate-key and formula handling shared by every Resource."""

    #: columns that may be left out of an import file (export-only or optional)
    optional_columns: tuple[str, ...] = ()

    def __init__(self, *, published_only: bool = True, user=None, **kwargs):
        self.published_only = published_only
        self.user = user
        self._seen_keys: dict[tuple, int] = {}
        self._homonyms: frozenset[str] | None = None
        super().__init__(**kwargs)

    @classmethod
    def get_display_name(cls):
        return str(cls._meta.model._meta.verbose_name_plural)

    def homonyms(self) -> frozenset[str]:
        """homonym_names(), computed once per Resource (one query per export, not per row)."""
        if self._homonyms is None:
            self._homonyms = homonym_names()
        return self._homonyms

    # ---- export
    def filter_export(self, queryset, **kwargs):
        queryset = super().filter_export(queryset, **kwargs)
        if self.published_only:
            queryset = self.published(queryset)
        return queryset

    def published(self, queryset):
        return queryset

    # ---- import: headers
    def column_names(self) -> list[str]:
        return [f.column_name for f in self.get_export_fields()]

    def required_columns(self) -> list[str]:
        return [c for c in self.column_names() if c not in self.optional_columns]

    def before_import(self, dataset, **kwargs):
        self._seen_keys = {}
        if kwargs.get("user") is not None:
            self.user = kwargs["user"]
        headers = [str(h).strip() if h is not None else "" for h in (dataset.headers or [])]
        dataset.headers = headers
        known = set(self.column_names())
        missing = [c for c in self.required_columns() if c not in headers]
        unknown = [h for h in headers if h not in known]
        repeated = sorted({h for h in headers if headers.count(h) > 1})
        problems = []
        if missing:
            problems.append("缺少列：" + "、".join(missing))
        if unknown:
            problems.append("无法识别的列：" + "、".join(h or "（空白）" for h in unknown))
        if repeated:
            problems.append("重复的列：" + "、".join(repeated))
        if problems:
            dataset.wipe()  # no row is processed against headers that do not fit
            dataset.headers = headers
            raise ImportHeaderError(
                f"表头（第 1 行）不符合模板：{'；'.join(problems)}。应为：{', '.join(self.column_names())}"
            )

    # ---- import: rows
    def row_key(self, row) -> tuple:
        return tuple(str(restore_value(row.get(f)) or "").strip() for f in self.get_import_id_fields())

    def before_import_row(self, row, **kwargs):
        number = kwargs.get("row_number")
        key = self.row_key(row)
        if number is not None:
            first = self._seen_keys.setdefault(key, number)
            if first != number:
                names = "、".join(self.get_import_id_fields())
                raise ValidationError(
                    f"第 {number} 条记录（表格第 {number + 1} 行）与第 {first} 条记录（表格第 {first + 1} 行）"
                    f"的 {names} 相同（{' / '.join(k for k in key if k)}）：每条记录只能出现一次"
                )

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    instance._pending_m2m = getattr(instance, "_pending_m2m", {})
                    instance._pending_m2m[field.attribute] = field.clean(row)
                except ValueError as exc:
                    errors[field.attribute] = ValidationError(str(exc), code="invalid")
        self.check_row(instance, row, errors)
        if errors:
            raise ValidationError(errors)

    def check_row(self, instance, row, errors: dict) -> None:
        """Hook: add cross-column errors to ``errors``."""

    def do_instance_save(self, instance, is_create):
        """Imports write through the services like every staff edit: versioned, attributed, in history."""
        from .services import curated_record_save

        # Validated already (clean_model_instances); the conditional UPDATE increments ``version``.
        curated_record_save(instance=instance, user=self.user, reason="批量导入", validate=False)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if is_m2m:
            pending = getattr(instance, "_pending_m2m", {})
            if field.attribute in pending:
                getattr(instance, field.attribute).set(pending[field.attribute])
            return
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)


def _field(attribute, column=None, widget=None, **kwargs):
    return fields.Field(attribute=attribute, column_name=column or attribute, widget=widget or TextWidget(), **kwargs)


# --------------------------------------------------------------------------- resources


class CategoryResource(CatalogueResource):
    number = _field("number", widget=PlainIntegerWidget())
    name = _field("name")
    slug = _field("slug")

    class Meta:
        model = Category
        fields = ("number", "name", "slug")
        export_order = fields
        import_id_fields = ("number",)
        skip_unchanged = True
        clean_model_instances = True
        use_transactions = True


class ProvinceResource(CatalogueResource):
    name = _field("name")
    slug = _field("slug")
    pinyin = _field("pinyin")
    adcode = _field("adcode")

    class Meta:
        model = Province
        fields = ("name", "slug", "pinyin", "adcode")
        export_order = fields
        import_id_fields = ("name",)
        skip_unchanged = True
        clean_model_instances = True
        use_transactions = True


class CityResource(CatalogueResource):
    name = _field("name")
    province = _field("province", widget=NameForeignKeyWidget(Province, "name", "省份"))
    slug = _field("slug")
    pinyin = _field("pinyin")
    adcode = _field("adcode")
    level = _field("level", widget=ChoiceWidget(City.Level, "级别"))

    class Meta:
        model = City
        fields = ("name", "province", "slug", "pinyin", "adcode", "level")
        export_order = fields
        import_id_fields = ("name", "province")
        skip_unchanged = True
        clean_model_instances = True
        use_transactions = True

    def get_queryset(self):
        return City.objects.select_related("province")


class _EntriesField(fields.Field):
    """``cities`` or ``entries`` of a practice; reads pending import values first (for diffs)."""

    def __init__(self, part: str, column: str):
        self.part = part
        super().__init__(attribute=None, column_name=column, widget=TextWidget())

    def get_value(self, instance, homonyms=None):
        pairs = getattr(instance, "_pending_entries", None)
        if pairs is None:
            if instance.pk is None:
                return ""
            pairs = [(e.city, e.text) for e in _entries_of(instance)]
        homonyms = homonym_names() if homonyms is None else homonyms
        if self.part == "cities":
            return LIST_SEPARATOR.join(city_label(city, homonyms) for city, _ in pairs)
        return render_entries(pairs, homonyms)

    def export(self, instance, **kwargs):
        return self.get_value(instance)


def _entries_of(practice: Practice) -> list[PracticeEntry]:
    cache = getattr(practice, "_prefetched_objects_cache", {})
    if "entries" in cache:
        return sorted(cache["entries"], key=lambda e: e.position)
    return list(practice.entries.select_related("city__province").order_by("position"))


class PracticeResource(CatalogueResource):
    """A practice with its city entries (see the module docstring for the format)."""

    number = _field("number", widget=PlainIntegerWidget())
    name = _field("name")
    category = _field("category", widget=NameForeignKeyWidget(Category, "number", "类别编号"))
    category_name = fields.Field(attribute="category__name", column_name="category_name",
                                 widget=TextWidget(), readonly=True)
    status = _field("status", widget=ChoiceWidget(Status, "状态"))
    cities = _EntriesField("cities", "cities")
    entries = _EntriesField("entries", "entries")
    source = _field("source", widget=NameForeignKeyWidget(SourceDocument, "filename", "来源文件"))

    optional_columns = ("category_name",)

    class Meta:
        model = Practice
        fields = ("number", "name", "category", "category_name", "status", "cities", "entries", "source")
        export_order = fields
        import_id_fields = ("number",)
        skip_unchanged = True
        clean_model_instances = True
        use_transactions = True

    def get_queryset(self):
        return Practice.objects.with_cities()

    def dehydrate_cities(self, practice):
        return self.fields["cities"].get_value(practice, self.homonyms())

    def dehydrate_entries(self, practice):
        return self.fields["entries"].get_value(practice, self.homonyms())

    def published(self, queryset):
        return queryset.published()

    def get_import_fields(self):
        # cities/entries have no model attribute; keep them for diffs and skip_unchanged
        return [self.fields[name] for name in self._meta.fields if name != "category_name"]

    def check_row(self, instance, row, errors):
        check_status_change(self, instance, errors, "publish_practice", "典型做法")
        wanted_name = str(restore_value(row.get("category_name")) or "").strip()
        if wanted_name and "category" not in errors and instance.category_id and instance.category.name != wanted_name:
            errors["category"] = ValidationError(
                f"类别编号 {instance.category.number} 的名称是“{instance.category.name}”，与 category_name“{wanted_name}”不符"
            )
        try:
            labels = split_list(row.get("cities"))
            cities = [resolve_city(label) for label in labels]
        except ValueError as exc:
            errors["cities"] = ValidationError(str(exc))
            return
        if len({c.pk for c in cities}) != len(cities):
            errors["cities"] = ValidationError("cities 列中有重复的城市")
            return
        try:
            texts = parse_entries(str(restore_value(row.get("entries")) or ""), labels)
        except ValueError as exc:
            errors["entries"] = ValidationError(str(exc))
            return
        instance._pending_entries = list(zip(cities, texts, strict=True))

    def after_save_instance(self, instance, row, **kwargs):
        from .services import practice_entries_set

        pending = getattr(instance, "_pending_entries", None)
        if pending is not None:
            practice_entries_set(practice=instance, entries=pending, user=kwargs.get("user", self.user))


class CaseReportResource(CatalogueResource):
    source = _field("source", widget=NameForeignKeyWidget(SourceDocument, "filename", "来源文件"))
    position = _field("position", widget=PlainIntegerWidget())
    title = _field("title")
    subtitle = _field("subtitle")
    kicker = _field("kicker")
    byline = _field("byline")
    province = _field("province", widget=NameForeignKeyWidget(Province, "name", "省份"))
    cities = _field("cities", widget=CityListWidget())
    categories = _field("categories", widget=CategoryListWidget())
    status = _field("status", widget=ChoiceWidget(Status, "状态"))
    body = _field("body")
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
        return CaseReport.objects.select_related("source", "province").prefetch_related(
            "cities__province", "categories", "practice_links__practice"
        )

    def published(self, queryset):
        return queryset.published()

    def dehydrate_cities(self, report):
        homonyms = self.homonyms()
        return LIST_SEPARATOR.join(city_label(city, homonyms) for city in report.cities.all())

    def dehydrate_related_practices(self, report):
        """Confirmed or pending suggestions, best first (rejected ones left out); export only."""
        if report.pk is None:
            return ""
        links = sorted((link for link in report.practice_links.all() if link.confirmed is not False),
                       key=lambda link: link.rank)
        return LIST_SEPARATOR.join(str(link.practice.number) for link in links)

    def get_import_fields(self):
        return [self.fields[name] for name in self._meta.fields if name != "related_practices"]

    def check_row(self, instance, row, errors):
        check_status_change(self, instance, errors, "publish_casereport", "案例报道")


class _MetricKeyField(fields.Field):
    """An owner column of a metric (export from the owner; import resolved in get_instance)."""

    def __init__(self, column, getter):
        self.getter = getter
        super().__init__(attribute=None, column_name=column, widget=TextWidget(), readonly=True)

    def get_value(self, instance):
        return self.getter(instance)

    def export(self, instance, **kwargs):
        value = self.get_value(instance)
        return "" if value is None else str(value)


def _metric_owner(metric, kind):
    if kind == "owner":
        return "entry" if metric.entry_id else "case_report" if metric.case_report_id else ""
    if metric.entry_id:
        # The city column is MetricResource.dehydrate_city (with the export's homonym list).
        return metric.entry.practice.number if kind == "practice" else ""
    if metric.case_report_id:
        return {"source": metric.case_report.source.filename,
                "report_position": metric.case_report.position}.get(kind, "")
    return ""


class MetricResource(CatalogueResource):
    """Metrics of a city entry (practice + city) or of a case report (source + report_position)."""

    owner = _MetricKeyField("owner", lambda m: _metric_owner(m, "owner"))
    practice = _MetricKeyField("practice", lambda m: _metric_owner(m, "practice"))
    city = _MetricKeyField("city", lambda m: city_label(m.entry.city) if m.entry_id else "")  # export: dehydrate_city
    source = _MetricKeyField("source", lambda m: _metric_owner(m, "source"))
    report_position = _MetricKeyField("report_position", lambda m: _metric_owner(m, "report_position"))
    position = _field("position", widget=PlainIntegerWidget())
    raw = _field("raw")
    value = _field("value", widget=PlainDecimalWidget())
    high = _field("high", widget=PlainDecimalWidget())
    unit = _field("unit")
    normalized_value = _field("normalized_value", widget=PlainDecimalWidget())
    normalized_high = _field("normalized_high", widget=PlainDecimalWidget())
    normalized_unit = _field("normalized_unit")
    kind = _field("kind", widget=ChoiceWidget(Metric.Kind, "类型"))
    qualifier = _field("qualifier")
    label = _field("label")
    as_of = _field("as_of")
    as_of_year = _field("as_of_year", widget=PlainIntegerWidget())
    as_of_month = _field("as_of_month", widget=PlainIntegerWidget())
    sentence = _field("sentence")
    offset = _field("offset", widget=PlainIntegerWidget())
    verified = _field("verified", widget=StrictBooleanWidget())

    KEY_COLUMNS = ("owner", "practice", "city", "source", "report_position", "position")

    class Meta:
        model = Metric
        fields = ("owner", "practice", "city", "source", "report_position", "position", "raw", "value", "high",
                  "unit", "normalized_value", "normalized_high", "normalized_unit", "kind", "qualifier", "label",
                  "as_of", "as_of_year", "as_of_month", "sentence", "offset", "verified")
        export_order = fields
        import_id_fields = ("owner", "practice", "city", "source", "report_position", "position")
        skip_unchanged = True
        clean_model_instances = True
        use_transactions = True

    def get_queryset(self):
        return Metric.objects.select_related(
            "entry__practice", "entry__city__province", "case_report__source"
        ).order_by(*(models.F(name).asc(nulls_last=True) for name in (
            "entry__practice__number", "entry__position", "case_report__source__filename", "case_report__position",
        )), "position")

    def published(self, queryset):
        return queryset.published()

    def dehydrate_city(self, metric):
        return city_label(metric.entry.city, self.homonyms()) if metric.entry_id else ""

    def get_import_fields(self):
        return [self.fields[name] for name in self._meta.fields if name not in self.KEY_COLUMNS[:-1]]

    def resolve_owner(self, row) -> tuple[str, models.Model]:
        owner = str(restore_value(row.get("owner")) or "").strip()
        if owner == "entry":
            try:
                number = PlainIntegerWidget().clean(row.get("practice"))
            except ValueError as exc:
                raise ValueError(f"practice 不是序号：{row.get('practice')}") from exc
            city = resolve_city(str(restore_value(row.get("city")) or ""))
            entry = PracticeEntry.objects.filter(practice__number=number, city=city).first()
            if entry is None:
                raise ValueError(f"典型做法 {number} 没有 {city.name} 的城市做法")
            return "entry", entry
        if owner == "case_report":
            filename = str(restore_value(row.get("source")) or "").strip()
            try:
                position = PlainIntegerWidget().clean(row.get("report_position"))
            except ValueError as exc:
                raise ValueError(f"report_position 不是整数：{row.get('report_position')}") from exc
            report = CaseReport.objects.filter(source__filename=filename, position=position).first()
            if report is None:
                raise ValueError(f"没有案例报道 {filename} #{position}")
            return "case_report", report
        raise ValueError(f"owner 只能是 entry 或 case_report，不能是“{owner}”")

    def get_instance(self, instance_loader, row):
        try:
            kind, owner = self.resolve_owner(row)
            position = PlainIntegerWidget().clean(row.get("position"))
        except ValueError:
            return None
        return self.get_queryset().filter(**{kind: owner, "position": position}).first()

    def check_row(self, instance, row, errors):
        try:
            kind, owner = self.resolve_owner(row)
        except ValueError as exc:
            errors["owner"] = ValidationError(str(exc))
            return
        setattr(instance, kind, owner)
        was = Metric.objects.filter(pk=instance.pk).values_list("verified", flat=True).first() if instance.pk else False
        if bool(instance.verified) != bool(was):
            if not _has_perm(self.user, "verify_metric"):
                errors["verified"] = ValidationError("你没有核实指标的权限（需要审核角色）")
                return
            verified = bool(instance.verified)
            instance.verified_at = timezone.now() if verified else None
            instance.verified_by = self.user if verified and getattr(self.user, "pk", None) else None



#: Resources offered for import and export in the admin, by model.
RESOURCES = {
    Category: CategoryResource,
    Province: ProvinceResource,
    City: CityResource,
    Practice: PracticeResource,
    CaseReport: CaseReportResource,
    Metric: MetricResource,
}


def export_dataset(resource_class, queryset=None, *, published_only: bool = True) -> tablib.Dataset:
    """The rows of ``queryset`` (default: all) as a tablib Dataset, without formula escaping."""
    return resource_class(published_only=published_only).export(queryset)


def export_file(resource_class, queryset=None, *, file_format: str, published_only: bool = True):
    """Bytes (xlsx) or text (csv, json) of an export; CSV has a BOM, CSV and XLSX neutralise formulas."""
    formats = {"csv": CSV, "xlsx": XLSX, "json": JSON}
    dataset = export_dataset(resource_class, queryset, published_only=published_only)
    return formats[file_format]().export_data(dataset)
