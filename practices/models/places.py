"""Provinces and cities: where practices are reported and case reports are set."""
from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..querysets import NaturalKeyManager
from .base import Curated


class ProvinceManager(NaturalKeyManager):
    natural_key_fields = ("name",)


class Province(Curated):
    name = models.CharField(_("名称"), max_length=20, unique=True)
    slug = models.SlugField(_("短名"), max_length=40, unique=True)
    pinyin = models.CharField(_("拼音"), max_length=40, blank=True)
    adcode = models.CharField(_("行政区划代码"), max_length=6, blank=True)

    objects = ProvinceManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("省份")
        verbose_name_plural = _("省份")
        # Staff roles (编辑/审核) and django-import-export's permission codes.
        permissions = [
            ("import_province", _("可以导入省份")),
            ("export_province", _("可以导出省份")),
        ]
        ordering = ["adcode", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("practices:province-detail", kwargs={"slug": self.slug})

    def natural_key(self) -> tuple:
        return (self.name,)


class CityManager(NaturalKeyManager):
    natural_key_fields = ("name", "province__name")


class City(Curated):
    class Level(models.TextChoices):
        PREFECTURE = "prefecture", _("地级市")
        COUNTY = "county", _("县级市")

    name = models.CharField(_("名称"), max_length=30)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="cities", verbose_name=_("省份")
    )
    slug = models.SlugField(_("短名"), max_length=60, unique=True)
    pinyin = models.CharField(_("拼音"), max_length=60, blank=True)
    adcode = models.CharField(_("行政区划代码"), max_length=6, blank=True)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices, default=Level.PREFECTURE)

    objects = CityManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("城市")
        verbose_name_plural = _("城市")
        # Staff roles (编辑/审核) and django-import-export's permission codes.
        permissions = [
            ("import_city", _("可以导入城市")),
            ("export_city", _("可以导出城市")),
        ]
        ordering = ["province__adcode", "adcode", "name"]
        constraints = [
            models.UniqueConstraint(fields=["province", "name"], name="city_unique_name_in_province"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("practices:city-detail", kwargs={"slug": self.slug})

    def natural_key(self) -> tuple:
        return (self.name, self.province.name)

    natural_key.dependencies = ["practices.province"]
