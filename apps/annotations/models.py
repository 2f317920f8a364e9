"""Annotations: one shape (or tag) on one item, by a person or a model, versioned."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from apps.items.models import Item
from apps.projects.models import Annotator, LabelClass, Project


class Source(models.TextChoices):
    HUMAN = "human", "Human"
    PRELABEL = "prelabel", "Pre-label"
    CONSENSUS = "consensus", "Consensus"
    GOLD = "gold", "Gold"


class GeometryType(models.TextChoices):
    BOX = "box", "Box"
    POLYGON = "polygon", "Polygon"
    MASK = "mask", "Mask"
    TAG = "tag", "Tag"


class Annotation(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="annotations")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="annotations")
    author = models.ForeignKey(
        Annotator, null=True, blank=True, on_delete=models.PROTECT, related_name="annotations"
    )
    # Set when a model drew the shape (e.g. "sam2.1_hiera_t@3f2a..." or "grabcut").
    model_id = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.HUMAN)
    label_class = models.ForeignKey(LabelClass, on_delete=models.PROTECT, related_name="+")
    geometry_type = models.CharField(max_length=16, choices=GeometryType.choices)
    # box: {"x","y","w","h"}; polygon: {"points": [x0, y0, x1, y1, ...]};
    # mask: {"rle": {"size": [h, w], "counts": str}}; tag: {}.
    geometry = models.JSONField(default=dict, blank=True)
    # Bounding box and area of any shape, denormalised so analytics read columns, not JSON.
    x = models.FloatField(null=True, blank=True)
    y = models.FloatField(null=True, blank=True)
    w = models.FloatField(null=True, blank=True)
    h = models.FloatField(null=True, blank=True)
    area = models.FloatField(null=True, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    score = models.FloatField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["project", "source"], name="ann_project_source"),
            models.Index(fields=["project", "author"], name="ann_project_author"),
            models.Index(fields=["item", "source"], name="ann_item_source"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(author__isnull=False)
                | ~Q(model_id="")
                | Q(source__in=["gold", "consensus"]),
                name="annotation_has_author_or_model",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.geometry_type} {self.label_class_id} on item {self.item_id}"
