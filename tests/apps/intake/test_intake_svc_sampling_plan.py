"""The project's sampling plan: validation, and the plan + OC curve checked against scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from apps.audit.models import AuditEvent
from apps.intake.models import Batch, BatchItem
from apps.items.models import Item
from apps.projects.models import Project

pytestmark = pytest.mark.django_db


def plan_url(project) -> str:
    return f"/api/projects/{project.pk}/sampling-plan/"


def test_table_plan_and_its_oc_curve_match_a_direct_binomial_computation(manager, project):
    assert manager.get(plan_url(project)).status_code == 404  # no plan yet
    body = {"aql": 1.0, "inspection_level": "II", "review_mode": "blind"}
    response = manager.put(plan_url(project), body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["method"] == "table"

    body = manager.get(plan_url(project) + "?batch_size=1000").json()
    plan = body["plan"]
    # ISO 2859-1: a lot of 1,000 at level II is letter J (n = 80); AQL 1.0 gives Ac 2, Re 3.
    assert (plan["code_letter"], plan["sample_size"], plan["accept_number"]) == ("J", 80, 2)
    assert plan["reject_number"] == 3 and plan["source"] == "iso2859_table"
    curve = body["oc_curve"]
    assert curve["model"] == "binomial" and len(curve["defect_rate"]) == 201
    rates = np.array(curve["defect_rate"])
    expected = [sum(math.comb(80, k) * p**k * (1 - p) ** (80 - k) for k in range(3)) for p in rates]
    np.testing.assert_allclose(curve["p_accept"], stats.binom.cdf(2, 80, rates), atol=1e-12)
    np.testing.assert_allclose(curve["p_accept"], expected, atol=1e-9)
    assert body["p_accept_at"]["aql"] == pytest.approx(stats.binom.cdf(2, 80, 0.01))
    assert body["setting"]["review_mode"] == "blind"


def test_risk_plan_meets_both_risks_on_the_finite_lot(manager, project):
    body = {
        "method": "risks",
        "aql": 1.0,
        "ltpd": 5.0,
        "producer_risk": 0.05,
        "consumer_risk": 0.10,
        "review_mode": "direct",
    }
    assert manager.put(plan_url(project), body, format="json").status_code == 200
    result = manager.get(plan_url(project) + "?batch_size=2000").json()
    n, c = result["plan"]["sample_size"], result["plan"]["accept_number"]
    assert stats.hypergeom.cdf(c, 2000, 20, n) >= 0.95  # at the AQL: 1% of 2,000
    assert stats.hypergeom.cdf(c, 2000, 100, n) <= 0.10  # at the LTPD: 5% of 2,000
    # No smaller sample meets both risks with any acceptance number.
    smaller = n - 1
    assert not any(
        stats.hypergeom.cdf(k, 2000, 20, smaller) >= 0.95
        and stats.hypergeom.cdf(k, 2000, 100, smaller) <= 0.10
        for k in range(smaller + 1)
    )
    curve = result["oc_curve"]
    rates = np.array(curve["defect_rate"])
    defective = np.rint(rates * 2000).astype(int)
    assert curve["model"] == "hypergeometric"
    np.testing.assert_allclose(
        curve["p_accept"], stats.hypergeom.cdf(c, 2000, defective, n), atol=1e-12
    )


def test_plan_for_a_batch_uses_its_items_that_are_not_held(manager, project):
    manager.put(plan_url(project), {"aql": 2.5}, format="json")
    batch = Batch.objects.create(project=project, name="lot")
    items = Item.objects.bulk_create(
        [Item(project=project, width=10, height=10, file_name=f"{i}.jpg") for i in range(30)]
    )
    BatchItem.objects.bulk_create(
        [BatchItem(batch=batch, item=item, held=index < 4) for index, item in enumerate(items)]
    )
    body = manager.get(plan_url(project) + f"?batch={batch.pk}").json()
    assert body["plan"]["lot_size"] == 26 and body["batch"] == batch.pk
    elsewhere = Batch.objects.create(project=Project.objects.create(name="Other"), name="lot")
    assert manager.get(plan_url(project) + f"?batch={elsewhere.pk}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"aql": 0.3}, "aql"),
        ({"aql": 1.0, "inspection_level": "IV"}, "inspection_level"),
        ({"method": "risks", "aql": 1.0}, "ltpd"),
        ({"method": "risks", "aql": 5.0, "ltpd": 1.0}, "ltpd"),
        ({"method": "risks", "aql": 1.0, "ltpd": 5.0, "producer_risk": 1.5}, "producer_risk"),
        ({"method": "risks", "aql": 1.0, "ltpd": 5.0, "consumer_risk": 0}, "consumer_risk"),
        (
            {"method": "risks", "aql": 1, "ltpd": 5, "producer_risk": 0.5, "consumer_risk": 0.5},
            "consumer_risk",
        ),
        ({"aql": 1.0, "review_mode": "peek"}, "review_mode"),
        ({"method": "guess", "aql": 1.0}, "method"),
        ({}, "aql"),
    ],
)
def test_bad_plans_are_400s_naming_the_field(manager, project, body, field):
    response = manager.put(plan_url(project), body, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()


def test_plan_query_is_validated_and_changes_are_audited(manager, project):
    manager.put(plan_url(project), {"aql": 1.0}, format="json")
    manager.put(plan_url(project), {"aql": 4.0, "review_mode": "direct"}, format="json")
    assert manager.get(plan_url(project) + "?batch_size=1").status_code == 400
    assert manager.get(plan_url(project) + "?batch_size=x").status_code == 400
    events = AuditEvent.objects.filter(action="intake.sampling_plan.set").order_by("id")
    assert [e.after["aql"] for e in events] == [1.0, 4.0]
    assert events[1].before["aql"] == 1.0
