"""Work queues: assignment slots for annotators, reviews, correction effort, rules and SLAs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.annotations.models import Annotation
from apps.items.models import Item
from apps.projects.models import Annotator, LabelClass, Project, iou_interval


class AssignmentStatus(models.TextChoices):
    OPEN = "open", "Open"
    LEASED = "leased", "Leased"
    SUBMITTED = "submitted", "Submitted"
    REWORK = "rework", "Sent back for rework"


class Assignment(models.Model):
    """One annotator's turn at one item: a slot of the item's overlap, or a honeypot (gold)."""

    # Not indexed on its own: every query by project also filters status, and assign_pull_order
    # (project, status, ...) serves both; each extra index costs every claim and submit a write.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="assignments")
    # Slots 0..k-1 of a regular item; gold assignments have no slot (null).
    slot = models.PositiveSmallIntegerField(null=True, blank=True)
    annotator = models.ForeignKey(
        Annotator, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    is_gold = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.OPEN,
    )
    # The item's queue priority, copied here so the pull is one index scan (see set_item_priorities).
    priority = models.IntegerField(default=0)
    leased_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    client_seconds = models.FloatField(null=True, blank=True)
    server_seconds = models.FloatField(null=True, blank=True)
    rework_cycles = models.PositiveSmallIntegerField(default=0)
    # Honeypots are scored on submit against the gold answer (CVAT's accuracy definition).
    gold_accuracy = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "slot"], condition=Q(slot__isnull=False), name="uniq_item_slot"
            ),
            models.UniqueConstraint(
                fields=["item", "annotator"],
                condition=Q(annotator__isnull=False),
                name="uniq_item_annotator",
            ),
        ]
        indexes = [
            models.Index(
                fields=["project", "status", "is_gold", "-priority", "id"], name="assign_pull_order"
            ),
            # Every pull first asks what the annotator holds: their leased or sent-back rows,
            # not a scan of everything they ever did.
            models.Index(
                fields=["annotator", "status"],
                condition=Q(status__in=["leased", "rework"]),
                name="assign_held",
            ),
        ]


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    LEASED = "leased", "Leased"
    APPROVED = "approved", "Approved"
    EDITED = "edited", "Edited and approved"
    REJECTED = "rejected", "Rejected"
    ESCALATED = "escalated", "Escalated"


DEFAULT_REVIEW_QUEUE = "review"


class Review(models.Model):
    """A reviewer's decision on one submitted assignment, in a named queue."""

    # project, queue and status are indexed together (review_queue), which serves every lookup.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="reviews", db_index=False
    )
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reviews")
    queue = models.CharField(max_length=64, default=DEFAULT_REVIEW_QUEUE)
    status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    priority = models.IntegerField(default=0)
    reviewer = models.ForeignKey(
        Annotator, null=True, blank=True, on_delete=models.PROTECT, related_name="reviews_done"
    )
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    cycle = models.PositiveSmallIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["project", "queue", "status"], name="review_queue")]


class SkippedItem(models.Model):
    """An item an annotator passed over (released with Next): their pulls serve it again only
    when no other work is left for them; other annotators' queues are unaffected."""

    annotator = models.ForeignKey(Annotator, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    skipped_at = models.DateTimeField()

    class Meta:
        # Also the index of the pull's "did this annotator skip it?" probe.
        constraints = [
            models.UniqueConstraint(fields=["annotator", "item"], name="uniq_skipped_item")
        ]


class SkippedReview(models.Model):
    """A review a reviewer released unanswered (Next): served to them again only when nothing
    else is pending in its queue; other reviewers get it as usual."""

    reviewer = models.ForeignKey(Annotator, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    skipped_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "review"], name="uniq_skipped_review")
        ]


class EffortBucket(models.TextChoices):
    APPROVED_AS_IS = "approved_as_is", "Approved as is"
    MINOR_EDIT = "minor_edit", "Minor edit"
    REWORK = "rework", "Rework"


class CorrectionEffort(models.Model):
    """How much a human changed a pre-label: IoU between the pre-label and the final shape."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="efforts")
    prelabel = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="+")
    # The final shape, and its class as submitted (null: the pre-label was deleted). The class is
    # kept here because the shape may be edited or deleted later; the record describes the
    # submission.
    final = models.ForeignKey(
        Annotation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    final_label_class = models.ForeignKey(
        LabelClass, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    label_class = models.ForeignKey(LabelClass, on_delete=models.CASCADE, related_name="+")
    iou = models.FloatField()
    bucket = models.CharField(max_length=16, choices=EffortBucket.choices)
    created_at = models.DateTimeField(auto_now_add=True)


class MissedObject(models.Model):
    """A shape the annotator drew that no draft matched: an object the drafting model missed.

    Recorded at submission beside the CorrectionEffort rows of the drafts, with the drafts'
    model (several models' ids joined by "+"), so draft recall can be read per model version.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="misses")
    final = models.ForeignKey(
        Annotation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    label_class = models.ForeignKey(LabelClass, on_delete=models.CASCADE, related_name="+")
    model_id = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)


class EscalationRule(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="escalation_rules")
    name = models.CharField(max_length=200)
    enabled = models.BooleanField(default=True)
    order = models.IntegerField(default=0)
    # {"when": {...condition tree...}, "then": [{"action": ..., ...}]}; see labelqc.rules.
    definition = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="uniq_rule_name_per_project")
        ]


class QueueSla(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="queue_slas")
    queue = models.CharField(max_length=64)
    turnaround_hours = models.FloatField()
    webhook_url = models.URLField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "queue"], name="uniq_queue_sla")]


class ClassSla(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="class_slas")
    label_class = models.ForeignKey(LabelClass, on_delete=models.CASCADE, related_name="+")
    iou_threshold = models.FloatField(null=True, blank=True, validators=iou_interval)
    iaa_floor = models.FloatField(null=True, blank=True)
    missing_rate_ceiling = models.FloatField(null=True, blank=True)
    turnaround_hours = models.FloatField(null=True, blank=True)
    window_days = models.PositiveIntegerField(default=7)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "label_class"], name="uniq_class_sla")
        ]


class Alert(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=64, db_index=True)
    # What the alert is about, so the same breach is recorded once (claim-a-row idempotency).
    key = models.CharField(max_length=200)
    message = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    webhook_status = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Null with a resolved_at: resolved by labelqc itself (e.g. the overdue review was decided).
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "key"], name="uniq_alert_key")
        ]
