"""Cost inputs (rate cards, budget, planning scenarios) and computed cost report snapshots.

Amounts are plain floats in the project's one currency (Budget.currency), as in labelqc.cost.
Every write goes through apps.costs.services (validated by labelqc.cost and audited).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.jobs.models import ReportStatus
from labelqc.cost.defaults import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_CORRECTION_EFFORT,
    DEFAULT_ENGINEERING_COST_PER_BATCH,
    DEFAULT_REMEDIATION_COST_PER_ESCAPE,
)


class RateUnit(models.TextChoices):
    LABEL = "label", "Per label (item)"
    OBJECT = "object", "Per object"
    HOUR = "hour", "Per hour"


class Period(models.TextChoices):
    DAY = "D", "Day"
    WEEK = "W", "Week (Monday)"
    MONTH = "M", "Month"
    QUARTER = "Q", "Quarter"


class RateCard(models.Model):
    """What one vendor charges, for one of its cohorts or (cohort empty) all of them.

    ``vendor`` is the vendor label work is priced by: a cohort's vendor, or its name when the
    cohort has no vendor (in-house teams). A cohort's own card wins over its vendor's card.
    """

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="rate_cards"
    )
    cohort = models.ForeignKey(
        "projects.Cohort", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    vendor = models.CharField(max_length=200)
    rate_unit = models.CharField(max_length=8, choices=RateUnit.choices)
    rate_amount = models.FloatField()
    # Price of one review pass (per label, or per object per pass); empty: 0.4 x direct cost.
    reviewer_rate_unit = models.CharField(max_length=8, choices=RateUnit.choices, blank=True)
    reviewer_rate_amount = models.FloatField(null=True, blank=True)
    correction_effort = models.FloatField(default=DEFAULT_CORRECTION_EFFORT)
    engineering_cost_per_batch = models.FloatField(default=DEFAULT_ENGINEERING_COST_PER_BATCH)
    batch_size = models.FloatField(default=DEFAULT_BATCH_SIZE)
    remediation_cost_per_escape = models.FloatField(default=DEFAULT_REMEDIATION_COST_PER_ESCAPE)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["vendor", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "vendor", "cohort"],
                condition=Q(cohort__isnull=False),
                name="uniq_rate_card_cohort",
            ),
            models.UniqueConstraint(
                fields=["project", "vendor"],
                condition=Q(cohort__isnull=True),
                name="uniq_rate_card_vendor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} ({self.rate_amount} / {self.rate_unit})"


class Budget(models.Model):
    """The program's total budget, optionally a budget per period, and its planned volume."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="cost_budget"
    )
    amount = models.FloatField()
    currency = models.CharField(max_length=8)
    period = models.CharField(max_length=1, choices=Period.choices)
    per_period_amount = models.FloatField(null=True, blank=True)
    # Labels (submitted assignments) the program will deliver in all; empty: the project's
    # regular items x overlap. The forecast prices what is not accepted yet.
    planned_labels = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class Scenario(models.Model):
    """A what-if plan: labelqc.cost segments (e.g. crowd at 95% vs managed at 99.5%)."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="cost_scenarios"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    # Segments-frame records, every assumption written out (defaults filled in when saved).
    segments = models.JSONField(default=list)
    is_baseline = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="uniq_scenario_name")
        ]

    def __str__(self) -> str:
        return self.name


class CostReport(models.Model):
    """A snapshot: the parameters a report was asked with and what it computed (by a task)."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="cost_reports"
    )
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)
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
