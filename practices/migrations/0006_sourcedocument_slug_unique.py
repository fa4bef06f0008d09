"""SourceDocument.slug, step 2 of 2: required, unique and well-formed (filled by 0005)."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('practices', '0005_sourcedocument_slug'),
    ]

    operations = [
        migrations.AlterField(
            model_name='sourcedocument',
            name='slug',
            field=models.SlugField(editable=False, help_text='由文件名生成，用于案例报道的网址。', max_length=100,
                                   unique=True, verbose_name='网址代号'),
        ),
        migrations.AddConstraint(
            model_name='sourcedocument',
            constraint=models.CheckConstraint(condition=models.Q(('slug__regex', '^[-a-z0-9_]+$')),
                                              name='source_slug_format'),
        ),
    ]
