"""Projects, their class taxonomy, cohorts, and the people (annotators) who work in them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from apps.common.roles import Role

unit_interval = [MinValueValidator(0.0), MaxValueValidator(1.0)]
# A match needs some overlap: the matcher (labelqc.geometry) takes IoU thresholds in (0, 1].
iou_interval = [MinValueValidator(1e-6), MaxValueValidator(1.0)]


class Project(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    default_iou_threshold = models.FloatField(default=0.5, validators=iou_interval)
    target_iaa = models.FloatField(default=0.8, validators=unit_interval)
    # Annotators per item, for consensus and inter-annotator agreement.
    overlap = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    # Honeypots as Labelbox runs them: the first N items are gold, then each pull with rate r.
    honeypot_initial_count = models.PositiveSmallIntegerField(default=5)
    honeypot_rate = models.FloatField(default=0.10, validators=unit_interval)
    lease_minutes = models.PositiveIntegerField(default=30, validators=[MinValueValidator(1)])
    # Honeypot rate adapts to each annotator's gold accuracy against this target.
    gold_target_accuracy = models.FloatField(default=0.8, validators=unit_interval)
    # Qualification gate (off when null): an annotator gets regular items only once the mean gold
    # accuracy of their first honeypot_initial_count (at least 1) scored gold items reaches it.
    qualification_accuracy = models.FloatField(null=True, blank=True, validators=unit_interval)
    # Share of submissions that go to review (1.0 = all).
    review_share = models.FloatField(default=1.0, validators=unit_interval)
    # Correction effort buckets by IoU(pre-label, final): >= approved = as is, >= minor = minor edit.
    effort_approved_iou = models.FloatField(default=0.95, validators=unit_interval)
    effort_minor_iou = models.FloatField(default=0.75, validators=unit_interval)
    settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class PrecisionTier(models.TextChoices):
    STANDARD = "standard", "Standard"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class LabelClass(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="classes")
    name = models.CharField(max_length=200)
    # RESTRICT, not PROTECT: a class with children cannot be deleted on its own, but deleting
    # the project (which cascades to parent and children alike) may take both.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="children"
    )
    color = models.CharField(max_length=7, default="#1f77b4")
    precision_tier = models.CharField(
        max_length=16, choices=PrecisionTier.choices, default=PrecisionTier.STANDARD
    )
    # The class's own matching threshold; null means the project default.
    iou_threshold = models.FloatField(null=True, blank=True, validators=iou_interval)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="uniq_class_name_per_project")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_iou_threshold(self) -> float:
        if self.iou_threshold is not None:
            return self.iou_threshold
        return self.project.default_iou_threshold


class CohortKind(models.TextChoices):
    MANAGED = "managed", "Managed workforce"
    CROWD = "crowd", "Crowd"
    INTERNAL = "internal", "Internal"
    MODEL = "model", "Model"


class Cohort(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=CohortKind.choices, default=CohortKind.MANAGED)
    vendor = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="uniq_cohort_name_per_project")
        ]

    def __str__(self) -> str:
        return self.name


class Qualification(models.TextChoices):
    PENDING = "pending", "Pending"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"


# A manager's decision that is not a state: pending again, on gold items not yet seen.
QUALIFICATION_RETAKE = "retake"
QUALIFICATION_DECISIONS = [Qualification.PASSED.value, Qualification.FAILED.value, "retake"]


class Annotator(models.Model):
    """A user's membership in a project: their role, and their cohort if they label."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="annotators")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.SET_NULL, related_name="annotators"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ANNOTATOR)
    # What other annotators may be shown instead of a name (they never see identities).
    pseudonym = models.CharField(max_length=32, blank=True)
    is_active = models.BooleanField(default=True)
    # Under the project's qualification gate: decided from the first gold items, or by a manager.
    qualification = models.CharField(
        max_length=8, choices=Qualification.choices, default=Qualification.PENDING
    )
    qualification_decided_at = models.DateTimeField(null=True, blank=True)
    # A retake granted by a manager starts a new attempt: only gold submitted after it counts.
    qualification_attempt_from = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="uniq_membership")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.project_id}"
