"""CatalogueResource: the behaviour every Resource shares, and the helpers the Resources use."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from import_export import fields, resources, widgets

from ..services import curated_record_save, record_status_apply
from .cells import homonym_names
from .formats import ImportHeaderError
from .formulas import restore_value
from .widgets import TextWidget


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
        self.check_status(instance, errors)
        self.check_row(instance, row, errors)
        if errors:
            raise ValidationError(errors)

    def check_status(self, instance, errors: dict) -> None:
        """Publishing or withdrawing through an import follows the admin's rule (services.record_status_apply)."""
        if "status" in errors:
            return
        try:
            record_status_apply(instance=instance, user=self.user)
        except PermissionDenied as exc:
            errors["status"] = ValidationError(str(exc))

    def check_row(self, instance, row, errors: dict) -> None:
        """Hook: add cross-column errors to ``errors``."""

    def do_instance_save(self, instance, is_create):
        """Imports write through the services like every staff edit: versioned, attributed, in history."""
        # Validated already (clean_model_instances); the conditional UPDATE increments ``version``.
        curated_record_save(instance=instance, user=self.user, reason="批量导入", validate=False)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if is_m2m:
            pending = getattr(instance, "_pending_m2m", {})
            if field.attribute in pending:
                getattr(instance, field.attribute).set(pending[field.attribute])
            return
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)


def column_field(attribute, column=None, widget=None, **kwargs):
    """A Resource column for model ``attribute``, named ``column`` (default: the attribute), as text by default."""
    return fields.Field(attribute=attribute, column_name=column or attribute, widget=widget or TextWidget(), **kwargs)
