"""CatalogueResource: the behaviour every Resource shares, and the helpers the Resources use."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from import_export import fields, resources, results, widgets

from ..search import search_index_deferred
from ..services import curated_record_save, record_status_apply
from .cells import homonym_names
from .exporting import spreadsheet_cell_types
from .formats import ImportHeaderError
from .formulas import restore_value
from .widgets import TextWidget


class MessageOnlyError(results.Error):
    """A row or file error shown by its message alone: no traceback (server paths) ever reaches a page."""

    @property
    def traceback(self) -> str:
        return ""


class _NoDiff:
    """The diff of a row that nobody will see (the confirm's)."""

    def __init__(self, resource, instance, new):
        pass

    def compare_with(self, resource, instance):
        pass

    def as_html(self):
        return []


class CatalogueResource(resources.ModelResource):
    """Natural keys, strict headers, duplicate-key and formula handling shared by every Resource."""

    #: columns that may be left out of an import file (export-only or optional)
    optional_columns: tuple[str, ...] = ()
    #: False where the Resource checks keys and constraints itself, without a query per row (PracticeResource)
    validate_in_database: bool = True

    def __init__(self, *, published_only: bool = True, user=None, **kwargs):
        self.published_only = published_only
        self.user = user
        self._seen_keys: dict[tuple, int] = {}
        self._homonyms: frozenset[str] | None = None
        super().__init__(**kwargs)

    @classmethod
    def get_error_result_class(cls):
        return MessageOnlyError

    @classmethod
    def get_display_name(cls):
        return str(cls._meta.model._meta.verbose_name_plural)

    def homonyms(self) -> frozenset[str]:
        """homonym_names(), computed once per Resource (one query per export, not per row)."""
        if self._homonyms is None:
            self._homonyms = homonym_names()
        return self._homonyms

    # ---- export
    def export(self, queryset=None, **kwargs):
        dataset = super().export(queryset, **kwargs)
        # The rows are text (CSV and JSON want text); the column types travel with them so that
        # formats.XLSX writes numbers and dates as such, also for the admin's export.
        dataset.cell_types = spreadsheet_cell_types(self, kwargs.get("export_fields"))
        return dataset

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

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """full_clean(), without the per-row queries for what is known to hold.

        Foreign keys the widgets just read from the database exist; a Resource
        with ``validate_in_database = False`` checks its unique keys and check
        constraints in Python (its rows were prefetched by key).
        """
        errors = dict(import_validation_errors or {})
        exclude = set(errors)
        for field in instance._meta.concrete_fields:
            if field.is_relation and field.is_cached(instance) and getattr(field.get_cached_value(instance), "pk", None):
                exclude.add(field.name)
        try:
            instance.full_clean(exclude=exclude, validate_unique=validate_unique and self.validate_in_database,
                                validate_constraints=self.validate_in_database)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    # ---- import: writing (the confirm) and not writing (the preview)
    def import_data_inner(self, dataset, dry_run, *args, **kwargs):
        self._confirming = not dry_run
        if dry_run:
            return super().import_data_inner(dataset, dry_run, *args, **kwargs)
        # The search words of every imported record are rewritten once, at the end, in the import's transaction.
        with search_index_deferred():
            return super().import_data_inner(dataset, dry_run, *args, **kwargs)

    def get_diff_class(self):
        # The confirm redirects and shows no diff: rendering one per row would be wasted work.
        return _NoDiff if getattr(self, "_confirming", False) else super().get_diff_class()

    def save_instance(self, instance, is_create, row, **kwargs):
        if self._is_dry_run(kwargs):
            # The preview writes nothing (a write per row and a rollback made it ~40 rows/s);
            # what only a write would find is checked by preview_instance().
            self.preview_instance(instance, is_create, row)
            return
        super().save_instance(instance, is_create, row, **kwargs)

    def save_m2m(self, instance, row, **kwargs):
        if not self._is_dry_run(kwargs):
            super().save_m2m(instance, row, **kwargs)

    def preview_instance(self, instance, is_create: bool, row) -> None:
        """Hook: raise ValidationError for what the confirm's writes would refuse."""

    def check_status(self, instance, errors: dict) -> None:
        """Publishing or withdrawing through an import follows the admin's rule (services.record_status_apply)."""
        if "status" in errors:
            return
        try:
            # A Resource that prefetched the stored rows passes the stored status (no query per row).
            record_status_apply(instance=instance, user=self.user,
                                stored_status=getattr(instance, "_import_stored_status", ""))
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
