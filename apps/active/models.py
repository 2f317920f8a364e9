"""Active-learning rounds: what was asked, the model trained, and the items picked."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.items.models import Item
from apps.jobs.models import Job
from apps.projects.models import Project


class RoundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ActiveLearningRound(models.Model):
    """One round: train an item-level classifier on the labeled items, pick the next batch.

    model: what was trained and how it did ({"kind", "params", "features", "n_features",
    "classes", "metrics", "metrics_reason"}). pool: how many items took part and why others
    did not ({"labeled", "unlabeled", "excluded": {reason: count}}).
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="al_rounds")
    job = models.OneToOneField(
        Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="al_round"
    )
    strategy = models.CharField(max_length=32)
    batch_size = models.PositiveIntegerField()
    features = models.CharField(max_length=32)
    seed = models.BigIntegerField(default=0)
    down_weight_below_gold = models.FloatField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=RoundStatus.choices, default=RoundStatus.PENDING, db_index=True
    )
    model = models.JSONField(default=dict, blank=True)
    pool = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"round {self.pk} ({self.strategy}, {self.status})"


class ActiveLearningPick(models.Model):
    """An item a round picked: its rank (0 = most wanted), utility and queue priority change."""

    round = models.ForeignKey(ActiveLearningRound, on_delete=models.CASCADE, related_name="picks")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="al_picks")
    rank = models.PositiveIntegerField()
    score = models.FloatField()
    priority_before = models.IntegerField()
    priority_after = models.IntegerField()

    class Meta:
        ordering = ["round_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["round", "item"], name="uniq_al_pick_item"),
            models.UniqueConstraint(fields=["round", "rank"], name="uniq_al_pick_rank"),
        ]

    def __str__(self) -> str:
        return f"round {self.round_id} pick {self.rank}: item {self.item_id}"
