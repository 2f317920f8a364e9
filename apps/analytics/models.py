"""Quality report snapshots: the parameters used and the result, computed by Celery tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.jobs.models import ReportStatus


class QualityReport(models.Model):
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="quality_reports"
    )
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    # The filters (time window, classes, cohorts, annotators) and labelqc.report parameters used.
    filters = models.JSONField(default=dict, blank=True)
    params = models.JSONField(default=dict, blank=True)
    n_shards = models.PositiveIntegerField(default=1)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]


class ReportShard(models.Model):
    """One item range's sufficient statistics; merged exactly into the report."""

    report = models.ForeignKey(QualityReport, on_delete=models.CASCADE, related_name="shards")
    index = models.PositiveIntegerField()
    item_min = models.BigIntegerField()
    item_max = models.BigIntegerField()
    stats = models.JSONField(null=True, blank=True)
    done = models.BooleanField(default=False)

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["report", "index"], name="uniq_report_shard")
        ]


class FaultFlagRun(models.Model):
    """One run of labelqc.catch over the project: the rules used and the flags it found.

    ``result`` stays empty until the run's job has finished successfully (see apps.analytics.flags).
    """

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="fault_flag_runs"
    )
    # The resolved decision rules (CatchRules.to_dict()) and the overrides they came from.
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
