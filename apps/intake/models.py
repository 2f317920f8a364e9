"""Batches of items (a vendor delivery, a week of footage, an active-learning round), their
screening, the project's sampling plan, and the acceptance inspections of delivered batches.

An item belongs to at most one batch (it is imported once), so every annotation, review and
cost figure of an item rolls up to exactly one batch.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from apps.items.models import Item
from apps.jobs.models import Job
from apps.projects.models import Cohort, Project


class BatchKind(models.TextChoices):
    DELIVERY = "delivery", "Vendor delivery"
    FOOTAGE = "footage", "Footage"
    ACTIVE_LEARNING = "active_learning", "Active-learning round"
    OTHER = "other", "Other"


class BatchStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCREENING = "screening", "Screening"
    RELEASED = "released", "Released to the queue"
    DELIVERED = "delivered", "Delivered"
    SAMPLING = "sampling", "Under inspection"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


# Items may be added, screened and decided on until the batch is released.
BEFORE_RELEASE = (BatchStatus.DRAFT, BatchStatus.SCREENING)


class Batch(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="batches")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=24, choices=BatchKind.choices, default=BatchKind.DELIVERY)
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.SET_NULL, related_name="batches"
    )
    # Free text; blank means the cohort's vendor (or the cohort's name).
    vendor = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=BatchStatus.choices, default=BatchStatus.DRAFT, db_index=True
    )
    # Rejections by acceptance inspection: each sent the batch back once (the cost model's cycle).
    rework_cycles = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="uniq_batch_name_per_project")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def vendor_label(self) -> str:
        if self.vendor.strip():
            return self.vendor.strip()
        if self.cohort is not None:
            return self.cohort.vendor.strip() or self.cohort.name
        return ""


class Suggestion(models.TextChoices):
    KEEP = "keep", "Keep"
    DROP = "drop", "Drop"


class Decision(models.TextChoices):
    KEEP = "keep", "Keep"
    DROP = "drop", "Drop"
    # The person judged a quality flag acceptable (no duplicate judgement implied).
    RELEASE = "release", "Release"


class BatchItem(models.Model):
    """An item's membership of its batch, with its latest screening and the hold on it.

    Held items are kept out of the annotator queue when the batch is released and out of the
    lot an inspection samples from. Screening holds flagged items and suggested drops; a
    person's decision (keep / drop / release) then rules: held = decision == drop.
    """

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="memberships")
    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="batch_membership")
    held = models.BooleanField(default=False, db_index=True)
    screened_at = models.DateTimeField(null=True, blank=True)
    readable = models.BooleanField(null=True, blank=True)
    error = models.TextField(blank=True)
    flags = models.JSONField(default=list, blank=True)
    # width, height, aspect_ratio, laplacian_var, mean_luminance, dark_share, bright_share.
    measures = models.JSONField(default=dict, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    phash = models.CharField(max_length=16, blank=True)  # 64-bit pHash, hex
    exact_group = models.IntegerField(null=True, blank=True)
    near_group = models.IntegerField(null=True, blank=True)
    hamming_to_keeper = models.PositiveSmallIntegerField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suggestion = models.CharField(max_length=8, choices=Suggestion.choices, blank=True)
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item_id"]
        indexes = [models.Index(fields=["batch", "held"], name="intake_batchitem_held")]

    def __str__(self) -> str:
        return f"item {self.item_id} in batch {self.batch_id}"


class ScreeningSettings(models.Model):
    """A project's screening thresholds (overrides of labelqc.intake.ScreeningThresholds)."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="screening_settings"
    )
    thresholds = models.JSONField(default=dict, blank=True)
    # Quality flags that hold an item (duplicates suggested for dropping are always held).
    hold_flags = models.JSONField(default=list, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)


class ScreeningStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ScreeningRun(models.Model):
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="screening_runs")
    job = models.OneToOneField(
        Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="screening_run"
    )
    status = models.CharField(
        max_length=16, choices=ScreeningStatus.choices, default=ScreeningStatus.PENDING
    )
    thresholds = models.JSONField(default=dict)
    hold_flags = models.JSONField(default=list)
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]


class PlanMethod(models.TextChoices):
    TABLE = "table", "ISO 2859-1 tables (AQL, inspection level)"
    RISKS = "risks", "Producer's and consumer's risks (AQL, LTPD)"


class ReviewMode(models.TextChoices):
    BLIND = "blind", "Blind re-annotation"
    DIRECT = "direct", "Direct defect marking"


class SamplingPlan(models.Model):
    """How a project samples a delivered batch; the plan itself depends on the batch size."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="sampling_plan")
    method = models.CharField(max_length=8, choices=PlanMethod.choices, default=PlanMethod.TABLE)
    aql = models.FloatField()
    inspection_level = models.CharField(max_length=4, default="II")
    ltpd = models.FloatField(null=True, blank=True)
    producer_risk = models.FloatField(
        default=0.05, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    consumer_risk = models.FloatField(
        default=0.10, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    review_mode = models.CharField(
        max_length=8, choices=ReviewMode.choices, default=ReviewMode.BLIND
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)


class InspectionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DECIDED = "decided", "Decided"


class Verdict(models.TextChoices):
    ACCEPT = "accept", "Accept"
    REJECT = "reject", "Reject"


class BatchInspection(models.Model):
    """One acceptance inspection of a batch: the plan used, the sample, defects, the verdict."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="inspections")
    # labelqc.intake.SamplingPlan fields, as used (the project's plan may change later).
    plan = models.JSONField()
    lot_size = models.PositiveIntegerField()
    sample_size = models.PositiveIntegerField()
    accept_number = models.PositiveIntegerField()
    reject_number = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    # The lot the sample was drawn from, so sample_items(lot, n, seed) reproduces it.
    lot_item_ids = models.JSONField(default=list)
    sampled_item_ids = models.JSONField(default=list)
    review_mode = models.CharField(max_length=8, choices=ReviewMode.choices)
    status = models.CharField(
        max_length=8, choices=InspectionStatus.choices, default=InspectionStatus.OPEN
    )
    # The batch's rework cycles before this inspection (0: first delivery).
    rework_cycle = models.PositiveSmallIntegerField(default=0)
    n_defective = models.PositiveIntegerField(null=True, blank=True)
    # Per defect type: {"n_defects", "n_items_affected", "item_rate"}.
    defect_summary = models.JSONField(default=dict, blank=True)
    # Defect rows (blind mode: labelqc.intake.classify_defects' rows; direct: the marks).
    defects = models.JSONField(default=list, blank=True)
    verdict = models.CharField(max_length=8, choices=Verdict.choices, blank=True)
    reworked_assignments = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-id"]


class InspectionItem(models.Model):
    """A sampled item: the reviewer's reference labels (blind) or defect marks (direct)."""

    inspection = models.ForeignKey(
        BatchInspection, on_delete=models.CASCADE, related_name="sampled"
    )
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    # Blind mode: canonical shapes [{class_id, geometry_type, geometry, x, y, w, h, area,
    # occluded, truncated}]; None until the reviewer submits.
    reference = models.JSONField(null=True, blank=True)
    # Direct mode: {defect_type: count}; None until marked.
    marks = models.JSONField(null=True, blank=True)
    note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # After the decision: {n_reference, n_delivered, n_<type>..., n_defects}.
    result = models.JSONField(null=True, blank=True)
    defective = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["item_id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="uniq_inspection_item")
        ]
