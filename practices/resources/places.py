"""Resources of categories, provinces and cities."""
from __future__ import annotations

from ..models import Category, City, Province
from .base import CatalogueResource, column_field
from .widgets import ChoiceWidget, NameForeignKeyWidget, PlainIntegerWidget


class CategoryResource(CatalogueResource):
    number = column_field("number", widget=PlainIntegerWidget())
    name = column_field("name")
    slug = column_field("slug")

    class Meta:
        model = Category
        fields = ("number", "name", "slug")
        export_order = fields
        import_id_fields = ("number",)
        skip_unchanged = True
        clean_model_instances = True
        use_transactions = True


class ProvinceResource(CatalogueResource):
    name = column_field("name")
    slug = column_field("slug")
    pinyin = column_field("pinyin")
    adcode = column_field("adcode")

    class Meta:
        model = Province
        fields = ("name", "slug", "pinyin", "adcode")
        export_order = fields
        import_id_fields = ("name",)
        skip_unchanged = True
        clean_model_instances = True
        use_transactions = True


class CityResource(CatalogueResource):
    name = column_field("name")
    province = column_field("province", widget=NameForeignKeyWidget(Province, "name", "省份"))
    slug = column_field("slug")
    pinyin = column_field("pinyin")
    adcode = column_field("adcode")
    level = column_field("level", widget=ChoiceWidget(City.Level, "级别"))

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
