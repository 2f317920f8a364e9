from django.db import migrations, models
from django.db.models import F


def running_jobs_were_alive_at_their_claim(apps, schema_editor):
    Job = apps.get_model("jobs", "Job")
    Job.objects.filter(status="running").update(heartbeat_at=F("started_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("jobs", "0002_job_sent_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(running_jobs_were_alive_at_their_claim, migrations.RunPython.noop),
    ]
