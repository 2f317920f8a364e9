"""Per-item state of pre-labeling jobs, and review flags of propagated video masks."""

from __future__ import annotations

from django.db import models

from apps.annotations.models import Annotation
from apps.items.models import Item, Video
from apps.jobs.models import Job
from apps.projects.models import Project


class PrelabelItemStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class PrelabelItem(models.Model):
    """One item of one pre-labeling job: claimed, then done / failed / skipped exactly once.

    uncertainty_max / uncertainty_mean: over the item's pre-labels' combined uncertainty in
    [0, 1] (None when the backend gives none, e.g. GrabCut; `detail` then says why).
    """

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="prelabel_items")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="prelabel_runs")
    status = models.CharField(
        max_length=16,
        choices=PrelabelItemStatus.choices,
        default=PrelabelItemStatus.PENDING,
        db_index=True,
    )
    backend = models.CharField(max_length=64, blank=True)
    model_id = models.CharField(max_length=200, blank=True)
    n_prompts = models.PositiveIntegerField(default=0)
    n_masks = models.PositiveIntegerField(default=0)
    uncertainty_max = models.FloatField(null=True, blank=True)
    uncertainty_mean = models.FloatField(null=True, blank=True)
    detail = models.TextField(blank=True)
    annotation_ids = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "item"], name="uniq_prelabel_job_item")
        ]
        indexes = [models.Index(fields=["job", "status"], name="prelabel_job_status")]

    def __str__(self) -> str:
        return f"job {self.job_id} item {self.item_id} ({self.status})"


class VideoReviewFlag(models.Model):
    """A tracked object's frame that a reviewer should look at (see labelqc.prelabel.video_review).

    flags: e.g. ["area_jump", "low_iou"]; occluded frames carry no mask (annotation is null).
    """

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="video_flags")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="review_flags")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    frame_index = models.PositiveIntegerField()
    track_id = models.IntegerField()
    flags = models.JSONField(default=list)
    occluded = models.BooleanField(default=False)
    area = models.FloatField(default=0.0)
    predicted_iou = models.FloatField(null=True, blank=True)
    uncertainty = models.FloatField(null=True, blank=True)
    annotation = models.ForeignKey(
        Annotation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["video_id", "job_id", "track_id", "frame_index"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "track_id", "frame_index"], name="uniq_video_flag_frame"
            )
        ]

    def __str__(self) -> str:
        return f"video {self.video_id} track {self.track_id} frame {self.frame_index}"
