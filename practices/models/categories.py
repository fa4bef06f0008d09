"""The seven policy categories."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..querysets import NaturalKeyManager
from .base import Curated


class CategoryManager(NaturalKeyManager):
    natural_key_fields = ("number",)


class Category(Curated):
    number = models.PositiveSmallIntegerField(_("编号"), unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    slug = models.SlugField(_("短名"), max_length=100, unique=True)
    # Curated like ``name`` (fixtures/manifests/003_….toml fills it, staff edits survive reloads);
    # the English pages show it, and fall back to ``name`` while it is empty.
    name_en = models.CharField(_("英文名称"), max_length=150, blank=True)

    objects = CategoryManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("政策类别")
        verbose_name_plural = _("政策类别")
        # Staff roles (编辑/审核) and django-import-export's permission codes.
        permissions = [
            ("import_category", _("可以导入政策类别")),
            ("export_category", _("可以导出政策类别")),
        ]
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1) & Q(number__lte=7), name="category_number_1_to_7"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    def display_name(self, language: str | None = None) -> str:
        """The name for ``language`` (default: the active one): ``name_en`` on English pages when set."""
        if (language or get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("practices:category-detail", kwargs={"slug": self.slug})

    def natural_key(self) -> tuple:
        return (self.number,)
