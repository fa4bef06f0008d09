"""A metric's measure follows staff edits of its label or unit, wherever the edit is saved.

The measure is derived from the label and unit (:mod:`practices.importer.measures`), so a
label corrected in the admin list, the change form, a spreadsheet import or a shell would
otherwise leave the metric charted under its old measure ("数量" → 个数 after the label
became 银行机构).  One ``pre_save`` receiver owns the rule for every path that calls
``save()``; a measure staff chose themselves is never replaced (see ``measure_after_edit``).
Bulk ``update()`` and ``bulk_update`` skip signals: their callers pass the measure.
"""
from __future__ import annotations

from django.db.models.signals import pre_save

from .importer.measures import measure_after_edit
from .models import Metric

_WATCHED = frozenset({"label", "normalized_unit"})


def metric_measure_follow(sender, instance: Metric, raw: bool = False, update_fields=None, **kwargs) -> None:
    """Re-derive ``instance.measure`` when its label or unit changed since it was read (one query)."""
    # A save(update_fields=...) that leaves out the measure could not write a new one.
    if raw or instance.pk is None or (update_fields is not None and not {*_WATCHED, "measure"} <= set(update_fields)):
        return
    old = Metric.objects.filter(pk=instance.pk).values("label", "normalized_unit").first()
    if old is None or (old["label"], old["normalized_unit"]) == (instance.label, instance.normalized_unit):
        return
    instance.measure = measure_after_edit(
        measure=instance.measure,
        old_label=old["label"],
        old_unit=old["normalized_unit"],
        label=instance.label,
        unit=instance.normalized_unit,
    )


def connect_signals() -> None:
    pre_save.connect(metric_measure_follow, sender=Metric, dispatch_uid="metric_measure_follow")
