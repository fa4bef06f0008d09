"""The practice Resource: a practice with its city entries in two cells."""
from __future__ import annotations

import copy
import types

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from import_export import fields

from ..import_writes import ImportRowError, PracticeWrite, practices_import_write
from ..models import Category, City, Practice, PracticeEntry, SourceDocument, Status
from .base import CatalogueResource, column_field
from .cells import LIST_SEPARATOR, city_label, homonym_names, parse_entries, render_entries, resolve_city, split_list
from .formulas import restore_value
from .widgets import ChoiceWidget, NameForeignKeyWidget, PlainIntegerWidget, TextWidget


class EntriesField(fields.Field):
    """``cities`` or ``entries`` of a practice; reads pending import values first (for diffs)."""

    def __init__(self, part: str, column: str):
        self.part = part
        #: the Resource's homonyms() (one query per import), set by PracticeResource
        self.homonyms_source = None
        super().__init__(attribute=None, column_name=column, widget=TextWidget())

    def get_value(self, instance, homonyms=None):
        pairs = getattr(instance, "_pending_entries", None)
        if pairs is None:
            if instance.pk is None:
                return ""
            pairs = [(e.city, e.text) for e in _entries_of(instance)]
        if homonyms is None:
            homonyms = self.homonyms_source() if self.homonyms_source else homonym_names()
        if self.part == "cities":
            return LIST_SEPARATOR.join(city_label(city, homonyms) for city, _ in pairs)
        return render_entries(pairs, homonyms)

    def export(self, instance, **kwargs):
        return self.get_value(instance)


def _shallow_copy(instance, memo=None):
    clone = copy.copy(instance)  # Model.__getstate__ copies the related-object cache too
    clone.__dict__.pop("__deepcopy__", None)
    return clone


def _entries_of(practice: Practice) -> list[PracticeEntry]:
    listed = getattr(practice, "_import_entries", None)
    if listed is not None:
        return listed
    cache = getattr(practice, "_prefetched_objects_cache", {})
    if "entries" in cache:
        return sorted(cache["entries"], key=lambda e: e.position)
    return list(practice.entries.select_related("city__province").order_by("position"))


class PracticeResource(CatalogueResource):
    """A practice with its city entries (see the module docstring for the format)."""

    number = column_field("number", widget=PlainIntegerWidget())
    name = column_field("name")
    category = column_field("category", widget=NameForeignKeyWidget(Category, "number", "类别编号"))
    category_name = fields.Field(attribute="category__name", column_name="category_name",
                                 widget=TextWidget(), readonly=True)
    status = column_field("status", widget=ChoiceWidget(Status, "状态"))
    cities = EntriesField("cities", "cities")
    entries = EntriesField("entries", "entries")
    source = column_field("source", widget=NameForeignKeyWidget(SourceDocument, "filename", "来源文件"))

    optional_columns = ("category_name",)
    # Keys and constraints are checked in Python: existing practices are prefetched by number.
    validate_in_database = False
    PREFETCH_CHUNK = 500

    class Meta:
        model = Practice
        fields = ("number", "name", "category", "category_name", "status", "cities", "entries", "source")
        export_order = fields
        import_id_fields = ("number",)
        skip_unchanged = True
        clean_model_instances = True
        use_transactions = True
        # No savepoint per row: the confirm writes nothing per row (save_instance collects, after_import writes).
        use_bulk = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._existing: dict[int, Practice] | None = None
        self._cities: dict[str, object] = {}
        #: the confirm's rows, written in batches by after_import (practices.import_writes)
        self._writes: list[PracticeWrite] = []
        for name in ("cities", "entries"):
            self.fields[name].homonyms_source = self.homonyms

    def get_queryset(self):
        return Practice.objects.with_cities()

    # ---- import: every existing practice of the file in a few queries, not one per row
    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        numbers = set()
        if "number" in (dataset.headers or []):
            for value in dataset["number"]:
                try:
                    number = PlainIntegerWidget().clean(value)
                except ValueError:
                    continue
                if number is not None:
                    numbers.add(number)
        ordered = sorted(numbers)
        self._existing = {}
        if not ordered:
            return
        # Categories, sources and cities are few: read once and shared, not joined into every row
        # (building their objects per practice and per entry was a third of a large update's time).
        categories = {c.pk: c for c in Category.objects.all()}
        sources = {s.pk: s for s in SourceDocument.objects.defer("raw_text", "non_article_parts")}
        cities = {c.pk: c for c in City.objects.select_related("province")}
        for start in range(0, len(ordered), self.PREFETCH_CHUNK):
            by_id = {}
            for practice in Practice.objects.filter(number__in=ordered[start:start + self.PREFETCH_CHUNK]):
                practice.category, practice.source = categories[practice.category_id], sources[practice.source_id]
                # A plain list, in source order (what _entries_of reads).
                practice._import_entries = []
                # The publish rule compares with the stored status: read here, not once per row.
                practice._import_stored_status = practice.status
                by_id[practice.pk] = practice
                self._existing[practice.number] = practice
            entries = PracticeEntry.objects.filter(practice_id__in=list(by_id)).order_by("practice_id", "position")
            for entry in entries:
                entry.city, entry.practice = cities[entry.city_id], by_id[entry.practice_id]
                entry.practice._import_entries.append(entry)

    def get_instance(self, instance_loader, row):
        if self._existing is None:
            return super().get_instance(instance_loader, row)
        try:
            number = PlainIntegerWidget().clean(row.get("number"))
        except ValueError:
            return None
        return self._existing.get(number)

    def get_or_init_instance(self, instance_loader, row):
        instance, new = super().get_or_init_instance(instance_loader, row)
        # import_row deep-copies the instance as the row's "before" (skip_unchanged, the diff). For a
        # prefetched practice that copied its entries, their cities and provinces, the category, the source
        # and the prefetch's QuerySet: 70 % of an update's time. A shallow copy is a faithful "before":
        # importing a row only rebinds the instance's attributes, it never changes the objects they hold.
        instance.__deepcopy__ = types.MethodType(_shallow_copy, instance)
        return instance, new

    def city(self, label: str):
        """resolve_city(), once per distinct label of an import."""
        if label not in self._cities:
            self._cities[label] = resolve_city(label)
        return self._cities[label]

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
        wanted_name = str(restore_value(row.get("category_name")) or "").strip()
        if wanted_name and "category" not in errors and instance.category_id and instance.category.name != wanted_name:
            errors["category"] = ValidationError(
                f"类别编号 {instance.category.number} 的名称是“{instance.category.name}”，与 category_name“{wanted_name}”不符"
            )
        if instance.number is not None and instance.number < 1 and "number" not in errors:
            errors["number"] = ValidationError("序号必须是正整数")
        try:
            labels = split_list(row.get("cities"))
            cities = [self.city(label) for label in labels]
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

    def preview_instance(self, instance, is_create, row):
        """What the confirm (import_writes) would refuse: deleting entries without the permission."""
        pending = getattr(instance, "_pending_entries", None)
        if pending is None or is_create or self.user is None:
            return
        wanted = {city.pk for city, _ in pending}
        removed = [entry for entry in _entries_of(instance) if entry.city_id not in wanted]
        if removed and not self.user.has_perm("practices.delete_practiceentry"):
            names = "、".join(entry.city.name for entry in removed)
            raise ValidationError({"cities": f"这会删除 {names} 的城市做法；删除需要删除权限，你没有。"})

    def save_instance(self, instance, is_create, row, **kwargs):
        if self._is_dry_run(kwargs):
            return super().save_instance(instance, is_create, row, **kwargs)
        # The confirm: collected here, written in batches with their history by after_import.
        self._writes.append(PracticeWrite(
            row_number=kwargs["row_number"], row=row, practice=instance, created=is_create,
            entries=getattr(instance, "_pending_entries", None),
            stored_entries=() if is_create else _entries_of(instance),
        ))
        return None

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        writes, self._writes = self._writes, []
        if not writes or kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return  # a preview, or an import that is rolled back anyway
        try:
            practices_import_write(writes=writes, user=kwargs.get("user", self.user))
        except ImportRowError as exc:
            result.append_invalid_row(exc.write.row_number, exc.write.row,
                                      ValidationError({NON_FIELD_ERRORS: [exc.message]}))
