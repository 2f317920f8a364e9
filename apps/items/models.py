"""Items are what gets labelled: still images, or frames of a video."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from apps.projects.models import Project


class Video(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="videos")
    name = models.CharField(max_length=300)
    fps = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="uniq_video_name_per_project")
        ]

    def __str__(self) -> str:
        return self.name


def item_upload_path(instance: Item, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"items/{instance.project_id}/{instance.sha256[:2]}/{instance.sha256}.{suffix}"


class Item(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="items")
    file = models.FileField(upload_to=item_upload_path, max_length=500, blank=True)
    uri = models.CharField(max_length=2000, blank=True)
    file_name = models.CharField(max_length=500, blank=True, db_index=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    video = models.ForeignKey(
        Video, null=True, blank=True, on_delete=models.CASCADE, related_name="frames"
    )
    frame_index = models.PositiveIntegerField(null=True, blank=True)
    scene_tags = models.JSONField(default=list, blank=True)
    is_gold = models.BooleanField(default=False, db_index=True)
    # Higher is served first by queues; active learning and escalation raise it.
    priority = models.IntegerField(default=0, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["project", "sha256"], name="item_project_sha")]
        constraints = [
            models.CheckConstraint(
                condition=Q(video__isnull=True, frame_index__isnull=True)
                | Q(video__isnull=False, frame_index__isnull=False),
                name="item_frame_index_with_video",
            ),
            models.UniqueConstraint(
                fields=["video", "frame_index"],
                condition=Q(video__isnull=False),
                name="uniq_frame_per_video",
            ),
            models.CheckConstraint(
                condition=Q(width__gt=0) & Q(height__gt=0), name="item_size_pos"
            ),
        ]

    def __str__(self) -> str:
        return self.file_name or self.uri or f"item {self.pk}"
