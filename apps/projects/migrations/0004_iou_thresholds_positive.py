# IoU thresholds are in (0, 1]. A stored 0 was accepted before but failed every computation that
# matches shapes (a 500), so it is replaced: a class's by null (it inherits the project's
# default), a project's default by the model default 0.5.

import django.core.validators
from django.db import migrations, models


def replace_zero_thresholds(apps, schema_editor):
    apps.get_model("projects", "LabelClass").objects.filter(iou_threshold__lte=0).update(
        iou_threshold=None
    )
    apps.get_model("projects", "Project").objects.filter(default_iou_threshold__lte=0).update(
        default_iou_threshold=0.5
    )


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0003_label_class_parent_restrict"),
    ]

    operations = [
        migrations.RunPython(replace_zero_thresholds, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="labelclass",
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
        migrations.AlterField(
            model_name="project",
            name="default_iou_threshold",
            field=models.FloatField(
                default=0.5,
                validators=[
                    django.core.validators.MinValueValidator(1e-06),
                    django.core.validators.MaxValueValidator(1.0),
                ],
            ),
        ),
    ]
