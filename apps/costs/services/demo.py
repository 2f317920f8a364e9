"""Demo cost inputs: rate cards for the demo's three cohorts, a budget and two scenarios.

Called by the demo seed (apps.demo) after the project and its cohorts exist. Everything goes
through the validated, audited services; running it again changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.costs.models import Budget, RateCard, Scenario
from apps.costs.selectors import planned_labels
from apps.costs.services.rates import budget_set, rate_card_create
from apps.costs.services.scenarios import scenario_create
from apps.projects.models import CohortKind, Project

# Per cohort kind: managed vendor per object, crowd per label (cheaper, no reviewer rate: the
# review is priced at 0.4 x direct), in-house per hour. Amounts in the demo's currency (USD).
DEMO_CARDS: dict[str, dict[str, Any]] = {
    CohortKind.MANAGED: {
        "rate_unit": "object",
        "rate_amount": 0.12,
        "reviewer_rate_unit": "label",
        "reviewer_rate_amount": 0.05,
        "correction_effort": 0.5,
        "engineering_cost_per_batch": 150.0,
        "batch_size": 1000,
        "remediation_cost_per_escape": 4.0,
        "notes": "demo: managed workforce, per object; corrections at half price",
    },
    CohortKind.CROWD: {
        "rate_unit": "label",
        "rate_amount": 0.35,
        "correction_effort": 1.0,
        "remediation_cost_per_escape": 4.0,
        "notes": "demo: crowd, per label; review at 0.4 x direct",
    },
    CohortKind.INTERNAL: {
        "rate_unit": "hour",
        "rate_amount": 32.0,
        "reviewer_rate_unit": "label",
        "reviewer_rate_amount": 0.10,
        "correction_effort": 1.0,
        "remediation_cost_per_escape": 4.0,
        "notes": "demo: in-house team, per hour",
    },
}
# What-if: 1,000 images of 8 objects, crowd at 95% vs managed at 99.5% and 2.5x the rate.
DEMO_SCENARIOS = (
    ("Crowd at 95%", True, {"rate_unit": "object", "rate_amount": 0.04, "defect_rate": 0.05}),
    ("Managed at 99.5%", False, {"rate_unit": "object", "rate_amount": 0.10, "defect_rate": 0.005}),
)


@transaction.atomic
def seed_demo_costs(project: Project, *, actor: Any = None) -> dict[str, int]:
    """Rate cards for the project's managed, crowd and in-house cohorts, a budget, scenarios."""
    cards = 0
    for cohort in project.cohorts.all():
        values = DEMO_CARDS.get(cohort.kind)
        if values is None or RateCard.objects.filter(project=project, cohort=cohort).exists():
            continue
        rate_card_create(actor=actor, project_id=project.pk, data={"cohort": cohort.pk, **values})
        cards += 1
    if not Budget.objects.filter(project=project).exists():
        planned = max(planned_labels(project=project), 1)
        budget_set(
            actor=actor,
            project_id=project.pk,
            data={"amount": round(0.9 * planned, 2), "period": "W", "planned_labels": planned},
        )
    for name, baseline, values in DEMO_SCENARIOS:
        if not Scenario.objects.filter(project=project, name=name).exists():
            segment = {
                "n_items": 1000,
                "objects_per_item": 8,
                **values,
                "remediation_cost_per_escape": 4.0,
            }
            scenario_create(
                actor=actor,
                project_id=project.pk,
                data={"name": name, "segments": [segment], "is_baseline": baseline},
            )
    return {"rate_cards": cards}
