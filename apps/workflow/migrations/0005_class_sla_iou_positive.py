# A class SLA's IoU threshold is a matching threshold in (0, 1]. A stored 0 was accepted before
# and then refused by every quality report; it becomes null (no IoU target), as if never set.

import django.core.validators
from django.db import migrations, models


def clear_zero_thresholds(apps, schema_editor):
    apps.get_model("workflow", "ClassSla").objects.filter(iou_threshold__lte=0).update(
        iou_threshold=None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0004_drop_redundant_indexes"),
    ]

    operations = [
        migrations.RunPython(clear_zero_thresholds, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="classsla",
            name="iou_threshold",
            field=models.FloatField(
                blank=True,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1e-06),
                    django.core.validators.MaxValueValidator(1.0),
                ],
            ),
        ),
    ]
