"""seed_demo_costs: cards for the demo's three cohorts, a budget, scenarios; idempotent."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.costs.models import Budget, RateCard, Scenario
from apps.costs.services import build_report, seed_demo_costs
from apps.items.models import Item
from apps.projects.models import Cohort, Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_like():
    project = Project.objects.create(name="Demo-like", overlap=3)
    Cohort.objects.create(
        project=project, name="Northwind managed", kind="managed", vendor="Northwind Data Services"
    )
    Cohort.objects.create(project=project, name="Crowd pool", kind="crowd", vendor="OpenCrowd")
    Cohort.objects.create(project=project, name="In-house", kind="internal", vendor="")
    Item.objects.bulk_create(Item(project=project, width=9, height=9) for _ in range(4))
    return project


def test_seed_demo_costs_prices_each_cohort_once(demo_like):
    assert seed_demo_costs(demo_like) == {"rate_cards": 3}
    cards = {card.vendor: card for card in RateCard.objects.filter(project=demo_like)}
    assert set(cards) == {"Northwind Data Services", "OpenCrowd", "In-house"}
    assert cards["Northwind Data Services"].rate_unit == "object"
    assert (
        cards["OpenCrowd"].rate_unit == "label" and cards["OpenCrowd"].reviewer_rate_amount is None
    )
    assert cards["In-house"].rate_unit == "hour"
    budget = Budget.objects.get(project=demo_like)
    assert budget.planned_labels == 12 and budget.amount > 0
    assert Scenario.objects.filter(project=demo_like, is_baseline=True).count() == 1
    events = AuditEvent.objects.filter(project=demo_like).count()
    assert seed_demo_costs(demo_like) == {"rate_cards": 0}
    assert AuditEvent.objects.filter(project=demo_like).count() == events
    result = build_report(demo_like, {"period": "W", "confidence": 0.9, "remaining_labels": None})
    assert result["scenarios"]["count"] == 2 and result["forecast"]["remaining_items"] == 12
