"""Every cost input a client sends is bounded (labelqc.cost.limits): a number too large for the
program's costs to stay finite is a 400 naming the field, never stored (it used to be a 201, and
then compare, the finance page and every cost report failed)."""

from __future__ import annotations

import pytest

from apps.costs.models import Budget, CostReport, RateCard, Scenario
from labelqc.cost.limits import INPUT_LIMITS, MAX_BUDGET_AMOUNT, MAX_ITEMS

pytestmark = pytest.mark.django_db

HUGE = 1e308
CARD = {"vendor": "Acme", "rate_unit": "object", "rate_amount": 0.2}
SEGMENT = {
    "n_items": 1000,
    "rate_unit": "object",
    "rate_amount": 0.3,
    "defect_rate": 0.05,
    "objects_per_item": 4,
    "reviewer_rate_unit": "hour",
    "reviewer_rate_amount": 20.0,
    "review_hours_per_item": 0.1,
    "annotation_hours_per_item": 0.5,
}
CARD_FIELDS = (
    "rate_amount",
    "reviewer_rate_amount",
    "correction_effort",
    "engineering_cost_per_batch",
    "batch_size",
    "remediation_cost_per_escape",
)


def errors_of(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()


def post_card(client, project, **changes):
    body = {**CARD, **changes}
    if "reviewer_rate_amount" in changes:
        body["reviewer_rate_unit"] = "label"
    return client.post(f"/api/projects/{project.pk}/costs/rate-cards/", body, format="json")


def post_scenario(client, project, segments, name="plan"):
    return client.post(
        f"/api/projects/{project.pk}/costs/scenarios/",
        {"name": name, "segments": segments},
        format="json",
    )


@pytest.mark.parametrize("field", sorted(INPUT_LIMITS))
def test_a_segment_value_above_its_limit_is_a_400_naming_it(finance_client, project, field):
    response = post_scenario(finance_client, project, [SEGMENT, {**SEGMENT, field: HUGE}])
    errors = errors_of(response)
    assert list(errors) == [f"segments[1].{field}"]
    assert f"{INPUT_LIMITS[field]:g}]" in errors[f"segments[1].{field}"][0]
    assert not Scenario.objects.exists()


def test_segment_values_at_their_limits_are_accepted(finance_client, project):
    at_limit = {**SEGMENT, **INPUT_LIMITS}
    response = post_scenario(finance_client, project, [at_limit])
    assert response.status_code == 201, response.content


def test_a_tiny_batch_size_with_engineering_cost_is_a_400(finance_client, project):
    segment = {**SEGMENT, "batch_size": 1e-300, "engineering_cost_per_batch": 100.0}
    errors = errors_of(post_scenario(finance_client, project, [segment]))
    assert "per item" in errors["segments[0].batch_size"][0]
    card = post_card(finance_client, project, batch_size=1e-300, engineering_cost_per_batch=100.0)
    assert "per item" in errors_of(card)["batch_size"][0]


def test_patching_a_scenario_beyond_a_limit_is_a_400(finance_client, project):
    created = post_scenario(finance_client, project, [SEGMENT]).json()
    response = finance_client.patch(
        f"/api/cost-scenarios/{created['id']}/",
        {"segments": [{**SEGMENT, "rate_amount": HUGE}]},
        format="json",
    )
    assert "segments[0].rate_amount" in errors_of(response)
    assert Scenario.objects.get().segments[0]["rate_amount"] == 0.3


def test_an_inline_compared_scenario_beyond_a_limit_is_a_400(finance_client, project):
    url = f"/api/projects/{project.pk}/costs/scenarios/compare/"
    body = {"scenarios": {"crowd": [{**SEGMENT, "n_items": HUGE}]}}
    assert "scenarios.crowd[0].n_items" in errors_of(finance_client.post(url, body, format="json"))


@pytest.mark.parametrize("field", CARD_FIELDS)
def test_a_rate_card_value_above_its_limit_is_a_400_naming_it(finance_client, project, field):
    assert field in errors_of(post_card(finance_client, project, **{field: HUGE}))
    assert field in errors_of(
        post_card(finance_client, project, **{field: INPUT_LIMITS[field] * 2})
    )
    assert not RateCard.objects.exists()
    accepted = post_card(finance_client, project, **{field: INPUT_LIMITS[field]})
    assert accepted.status_code == 201, accepted.content


def test_patching_a_rate_card_beyond_a_limit_is_a_400(finance_client, project):
    card = post_card(finance_client, project).json()
    url = f"/api/cost-rate-cards/{card['id']}/"
    assert "rate_amount" in errors_of(
        finance_client.patch(url, {"rate_amount": HUGE}, format="json")
    )
    assert RateCard.objects.get().rate_amount == 0.2


@pytest.mark.parametrize("field", ["amount", "per_period_amount"])
def test_a_budget_above_its_limit_is_a_400_naming_it(finance_client, project, field):
    url = f"/api/projects/{project.pk}/costs/budget/"
    body = {"amount": 5.0, field: HUGE}
    assert field in errors_of(finance_client.put(url, body, format="json"))
    assert not Budget.objects.exists()
    ok = finance_client.put(url, {"amount": 5.0, field: MAX_BUDGET_AMOUNT}, format="json")
    assert ok.status_code == 200, ok.content


def test_the_budget_service_refuses_amounts_above_the_limit(project):
    """The demo seed calls the service directly: it checks the bound too."""
    from apps.common.exceptions import ServiceValidationError
    from apps.costs.services import budget_set

    with pytest.raises(ServiceValidationError) as caught:
        budget_set(actor=None, project_id=project.pk, data={"amount": HUGE})
    assert list(caught.value.errors) == ["amount"]
    with pytest.raises(ServiceValidationError) as caught:
        budget_set(actor=None, project_id=project.pk, data={"amount": float("nan")})
    assert list(caught.value.errors) == ["amount"]


def test_report_remaining_labels_above_the_limit_is_a_400(finance_client, project):
    url = f"/api/projects/{project.pk}/costs/reports/"
    response = finance_client.post(url, {"remaining_labels": HUGE}, format="json")
    assert "remaining_labels" in errors_of(response)
    assert not CostReport.objects.exists()
    above = finance_client.post(url, {"remaining_labels": MAX_ITEMS * 2}, format="json")
    assert "remaining_labels" in errors_of(above)


def test_compare_without_scenarios_names_each_field_under_its_own_key(finance_client, project):
    response = finance_client.post(
        f"/api/projects/{project.pk}/costs/scenarios/compare/", {}, format="json"
    )
    assert errors_of(response) == {
        "scenario_ids": ["is required when no inline scenarios are given"],
        "scenarios": ["is required when no scenario_ids are given"],
    }


def test_the_schema_states_the_limits(lead_client):
    spec = lead_client.get("/api/schema/?format=json").json()
    schemas = spec["components"]["schemas"]
    card = schemas["RateCardInputRequest"]["properties"]
    for field in CARD_FIELDS:
        assert card[field]["maximum"] == INPUT_LIMITS[field], field
    segment = schemas["ScenarioInputRequest"]["properties"]["segments"]["items"]["properties"]
    for field, limit in INPUT_LIMITS.items():
        assert segment[field]["maximum"] == limit, field
    assert schemas["BudgetInputRequest"]["properties"]["amount"]["maximum"] == MAX_BUDGET_AMOUNT
    assert (
        schemas["CostReportStartInputRequest"]["properties"]["remaining_labels"]["maximum"]
        == MAX_ITEMS
    )
