"""Resources of categories, provinces and cities."""
from __future__ import annotations

from ..models import Category, City, Province
from .base import CatalogueResource, _field
from .widgets import ChoiceWidget, NameForeignKeyWidget, PlainIntegerWidget


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
