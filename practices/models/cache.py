"""The catalogue revision token and the cached aggregates stored under it."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..querysets import NaturalKeyManager


class CatalogueAggregateManager(NaturalKeyManager):
    natural_key_fields = ("token", "name", "digest")


class CatalogueRevisionManager(NaturalKeyManager):
    natural_key_fields = ("key",)


class CatalogueRevision(models.Model):
    """One row whose token changes whenever the public catalogue changes.

    Cached aggregates (facet counts, home-page totals) are stored under keys
    that carry the token (practices/catalogue_cache.py), so a change makes
    every cached figure unreachable at once, across processes, in the same
    transaction as the change: readers never see figures newer or older
    than the rows they read, and a long load never blocks them (they keep
    reading the old token until it commits).
    """

    key = models.PositiveSmallIntegerField(_("键"), primary_key=True, default=1)
    token = models.CharField(_("版本标记"), max_length=32)
    changed = models.DateTimeField(_("更改时间"), auto_now=True)

    objects = CatalogueRevisionManager()

    class Meta:
        verbose_name = _("目录版本")
        verbose_name_plural = _("目录版本")
        default_permissions = ()
        constraints = [models.CheckConstraint(condition=Q(key=1), name="catalogue_revision_single_row")]

    def __str__(self) -> str:
        return self.token

    def natural_key(self) -> tuple:
        return (self.key,)


class CatalogueAggregate(models.Model):
    """A cached aggregate (facet counts, totals) computed at one catalogue revision.

    Read with a join on the current token, so a hit is one query; rows of
    older tokens are unreachable and deleted when the token is replaced.
    """

    token = models.CharField(_("版本标记"), max_length=32)
    name = models.CharField(_("名称"), max_length=40)
    digest = models.CharField(_("参数摘要"), max_length=40)
    value = models.JSONField(_("值"))
    created = models.DateTimeField(_("计算时间"), auto_now_add=True)

    objects = CatalogueAggregateManager()

    class Meta:
        verbose_name = _("缓存的统计")
        verbose_name_plural = _("缓存的统计")
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["token", "name", "digest"], name="aggregate_unique_key")]

    def __str__(self) -> str:
        return f"{self.name}:{self.digest}"

    def natural_key(self) -> tuple:
        return (self.token, self.name, self.digest)
