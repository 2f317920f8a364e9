"""Helpers for the cost tests (and the route x role matrix): workflow rows, cards, ids."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone

from apps.annotations.models import Annotation
from apps.costs.models import CostReport, RateCard, Scenario
from apps.workflow.models import Assignment, Review

ACME_CARD = {
    "cohort": None,  # set to Vendor A's id by the tests
    "rate_unit": "object",
    "rate_amount": 0.10,
    "reviewer_rate_unit": "label",
    "reviewer_rate_amount": 0.05,
    "correction_effort": 0.5,
    "engineering_cost_per_batch": 10.0,
    "batch_size": 100,
    "remediation_cost_per_escape": 2.0,
}
CROWD_CARD = {
    "vendor": "OpenCrowd",
    "rate_unit": "label",
    "rate_amount": 0.20,
    "correction_effort": 1.0,
    "remediation_cost_per_escape": 1.0,
}


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def add_assignment(item, member, slot, submitted, objects=(), reviews=(), cycles=0, **extra):
    assignment = Assignment.objects.create(
        project=item.project,
        item=item,
        slot=slot,
        annotator=member,
        status=extra.pop("status", "submitted"),
        submitted_at=submitted,
        rework_cycles=cycles,
        server_seconds=extra.pop("server_seconds", 60.0),
        **extra,
    )
    for cls, count in objects:
        for _ in range(count):
            Annotation.objects.create(
                project=item.project,
                item=item,
                author=member,
                source="human",
                label_class=cls,
                geometry_type="box",
                geometry={"x": 1, "y": 1, "w": 5, "h": 5},
                x=1,
                y=1,
                w=5,
                h=5,
                area=25,
                created_at=submitted,
                updated_at=submitted,
            )
    for status, cycle in reviews:
        Review.objects.create(
            project=item.project,
            assignment=assignment,
            status=status,
            cycle=cycle,
            decided_at=None if status in ("pending", "leased") else timezone.now(),
        )
    return assignment


def cost_route_ids(project) -> dict[str, int]:
    """URL ids of one rate card, scenario and finished report (for the route x role matrix)."""
    card = RateCard.objects.create(project=project, vendor="M", rate_unit="label", rate_amount=1)
    segment = {"n_items": 10, "rate_unit": "label", "rate_amount": 1.0, "defect_rate": 0.1}
    scenario = Scenario.objects.create(project=project, name="matrix", segments=[segment])
    report = CostReport.objects.create(project=project, status="succeeded", result={"tables": {}})
    return {"rate_card_id": card.pk, "scenario_id": scenario.pk, "cost_report_id": report.pk}
