"""The practice Resource: a practice with its city entries in two cells."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import fields

from ..models import Category, Practice, PracticeEntry, SourceDocument, Status
from .base import CatalogueResource, column_field
from .cells import LIST_SEPARATOR, city_label, homonym_names, parse_entries, render_entries, resolve_city, split_list
from .formulas import restore_value
from .widgets import ChoiceWidget, NameForeignKeyWidget, PlainIntegerWidget, TextWidget


class EntriesField(fields.Field):
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
        from ..services import practice_entries_set

        pending = getattr(instance, "_pending_entries", None)
        if pending is not None:
            practice_entries_set(practice=instance, entries=pending, user=kwargs.get("user", self.user))
