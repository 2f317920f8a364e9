# Indexes that assign_pull_order / review_queue already cover (a prefix of theirs) or that no
# query uses: each one was rewritten on every claim, submit and review decision.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_project_effort_approved_iou_project_effort_minor_iou_and_more"),
        ("workflow", "0003_assignment_held_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="assignment",
            name="assign_queue",
        ),
        migrations.AlterField(
            model_name="assignment",
            name="lease_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        # Only the index goes: AlterField would drop and re-add the foreign key, which on
        # PostgreSQL re-validates every row under a lock.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="assignment",
                    name="project",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="assignments",
                        to="projects.project",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "workflow_assignment_project_id_85c11b4d"',
                    reverse_sql='CREATE INDEX "workflow_assignment_project_id_85c11b4d" ON "workflow_assignment" ("project_id")',
                ),
            ],
        ),
        migrations.AlterField(
            model_name="assignment",
            name="status",
            field=models.CharField(
                choices=[
                    ("open", "Open"),
                    ("leased", "Leased"),
                    ("submitted", "Submitted"),
                    ("rework", "Sent back for rework"),
                ],
                default="open",
                max_length=16,
            ),
        ),
        # Only the index goes: AlterField would drop and re-add the foreign key, which on
        # PostgreSQL re-validates every row under a lock.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="review",
                    name="project",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reviews",
                        to="projects.project",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "workflow_review_project_id_f29ba876"',
                    reverse_sql='CREATE INDEX "workflow_review_project_id_f29ba876" ON "workflow_review" ("project_id")',
                ),
            ],
        ),
        migrations.AlterField(
            model_name="review",
            name="queue",
            field=models.CharField(default="review", max_length=64),
        ),
        migrations.AlterField(
            model_name="review",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("leased", "Leased"),
                    ("approved", "Approved"),
                    ("edited", "Edited and approved"),
                    ("rejected", "Rejected"),
                    ("escalated", "Escalated"),
                ],
                default="pending",
                max_length=16,
            ),
        ),
    ]
