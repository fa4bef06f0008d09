"""Metric.measure: what a metric counts, backfilled from label and unit.

The loader fingerprints the values it writes and treats a metric whose
fingerprint no longer matches as staff-edited. ``measure`` joins those values,
so unedited metrics get their fingerprint recomputed here; metrics staff had
already edited stay edited.
"""
from django.db import migrations, models

from practices.importer.measures import measure_for
from practices.importer.upsert import fingerprint

# The fingerprinted names before and after this migration (frozen here on purpose).
OLD_NAMES = ("raw", "value", "high", "unit", "normalized_value", "normalized_high", "normalized_unit", "kind",
             "qualifier", "label", "as_of", "as_of_year", "as_of_month", "sentence", "offset", "position")
NEW_NAMES = OLD_NAMES + ("measure",)


def backfill_measures(apps, schema_editor):
    Metric = apps.get_model("practices", "Metric")
    for metric in Metric.objects.all().iterator():
        unedited = bool(metric.load_fingerprint) and metric.load_fingerprint == fingerprint(
            {name: getattr(metric, name) for name in OLD_NAMES}
        )
        metric.measure = measure_for(label=metric.label, unit=metric.normalized_unit)
        update = ["measure"]
        if unedited:
            metric.load_fingerprint = fingerprint({name: getattr(metric, name) for name in NEW_NAMES})
            update.append("load_fingerprint")
        metric.save(update_fields=update)


def MEASURE_FIELD():  # noqa: N802 - reads like the field it builds
    return models.CharField(
        db_index=True, max_length=20, verbose_name="度量",
        help_text="指标衡量的是什么（如“贷款余额”“企业数”“占比”）；由指标名和单位推定，工作人员可修改。"
                  "只有度量和标准单位都相同的指标才会在对比图中放在一起。",
    )


class Migration(migrations.Migration):
    dependencies = [("practices", "0006_sourcedocument_slug_unique")]

    operations = [
        migrations.AddField(
            model_name="metric", name="measure",
            field=models.CharField(default="", max_length=20, verbose_name="度量"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historicalmetric", name="measure",
            field=models.CharField(default="", max_length=20, verbose_name="度量"),
            preserve_default=False,
        ),
        migrations.RunPython(backfill_measures, migrations.RunPython.noop),
        migrations.AlterField(model_name="metric", name="measure", field=MEASURE_FIELD()),
        migrations.AlterField(model_name="historicalmetric", name="measure", field=MEASURE_FIELD()),
    ]
