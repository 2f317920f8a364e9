"""Background jobs: one row per long-running request, claimed by exactly one worker run."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


# A report computed by one task (quality, cost): a job's states less "cancelled".
class ReportStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Job(models.Model):
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="jobs", null=True, blank=True
    )
    kind = models.CharField(max_length=64, db_index=True)
    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING, db_index=True
    )
    params = models.JSONField(default=dict, blank=True)
    # Large inputs (e.g. a bulk import's records) live here, not in the broker message.
    payload = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    # Which engine ran it (e.g. "sam2" or "grabcut"), shown to users.
    backend = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The run's last sign of life: its claim and each progress report. A running job silent for
    # STALE_AFTER is taken to be dead (see apps.jobs.services.claimable).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # When the job's message was last handed to the broker (or the in-process queue), and how
    # often: apps.jobs.dispatch sends again a job whose message was lost. Zero for a job a
    # management command runs itself.
    sent_at = models.DateTimeField(null=True, blank=True)
    sends = models.PositiveIntegerField(default=0)
    # "host:pid" of the process whose run holds the claim, so that a restarted embedded server can
    # tell that a running job's process is gone.
    claimed_by = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"
