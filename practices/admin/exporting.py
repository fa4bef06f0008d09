"""The admin's export form in Chinese: each column's checkbox named by what it holds, then its column name.

django-import-export labels a column by title-casing its name ("Category Name");
the staff read the model field's verbose name instead ("类别名称（category_name）").
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from import_export.forms import SelectableFieldsExportForm

# Columns with no model field behind them (computed by the Resources).
COMPUTED_LABELS = {
    "category_name": "类别名称",
    "cities": "城市",
    "entries": "各城市做法",
    "related_practices": "相关典型做法序号",
    "owner": "指标出处",
    "practice": "典型做法序号",
    "city": "城市",
    "report_position": "报道顺序",
}


def column_label(resource_class, name: str) -> str:
    """“verbose name（column）” for column ``name`` of ``resource_class``."""
    field = resource_class.fields.get(name)
    column = field.column_name if field is not None else name
    label = COMPUTED_LABELS.get(column)
    attribute = getattr(field, "attribute", None) or name
    if label is None:
        model = resource_class._meta.model
        try:
            for part in attribute.split("__")[:-1]:
                model = model._meta.get_field(part).related_model
            label = str(model._meta.get_field(attribute.split("__")[-1]).verbose_name)
        except (FieldDoesNotExist, AttributeError):
            label = column
    return label if label == column else f"{label}（{column}）"


class ChineseExportForm(SelectableFieldsExportForm):
    def _get_field_label(self, resource, field_name: str) -> str:
        return column_label(resource, field_name)
