"""SourceDocument.slug, step 1 of 2: add the column (nullable) and fill it for existing rows.

Case reports are addressed by /case-reports/<source slug>/<position>/ instead
of their auto-increment id. The slug is made unique and required in 0006: on
PostgreSQL a table cannot be altered in the transaction that updated its rows
(deferred foreign-key triggers are pending), so the two steps are separate
migrations, as Django's "Migrations that add unique fields" recommends.
"""
import hashlib
import re
from pathlib import PurePosixPath

from django.db import migrations, models
from django.utils.text import slugify
from pypinyin import lazy_pinyin

_NUMBERED_FILENAME = re.compile(r"^(\d+)_")


def frozen_source_slug(filename: str) -> str:
    """practices.models.sources.source_slug as of this migration (a copy: later changes must not alter it).

    tests/test_case_reports.py checks that the two agree on the vendored sources.
    """
    numbered = _NUMBERED_FILENAME.match(filename)
    if numbered:
        return numbered.group(1)
    slug = slugify("-".join(lazy_pinyin(PurePosixPath(filename).stem)))[:100].strip("-_")
    return slug or "source-" + hashlib.sha256(filename.encode("utf-8")).hexdigest()[:12]


def fill_slugs(apps, schema_editor):
    SourceDocument = apps.get_model("practices", "SourceDocument")
    database = schema_editor.connection.alias
    for source in SourceDocument.objects.using(database).filter(slug__isnull=True).only("pk", "filename"):
        source.slug = frozen_source_slug(source.filename)
        source.save(update_fields=["slug"])


class Migration(migrations.Migration):

    dependencies = [
        ('practices', '0004_catalogue_cache_and_read_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='sourcedocument',
            name='slug',
            field=models.SlugField(db_index=False, editable=False, max_length=100, null=True,
                                   verbose_name='网址代号'),
        ),
        migrations.RunPython(fill_slugs, migrations.RunPython.noop, elidable=False),
    ]
