"""Bad cost inputs are a 400 naming the field (labelqc.cost's CostInputError translated)."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.costs.models import RateCard, Scenario
from apps.projects.models import Cohort, Project

pytestmark = pytest.mark.django_db

CARD = {"vendor": "Acme", "rate_unit": "label", "rate_amount": 0.2}
SEGMENT = {"n_items": 1000, "rate_unit": "label", "rate_amount": 0.3, "defect_rate": 0.05}


def post_card(client, project, **changes):
    return client.post(
        f"/api/projects/{project.pk}/costs/rate-cards/", {**CARD, **changes}, format="json"
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rate_amount": -0.1}, "rate_amount"),
        ({"rate_unit": "page"}, "rate_unit"),
        ({"reviewer_rate_unit": "label", "reviewer_rate_amount": -1}, "reviewer_rate_amount"),
        ({"reviewer_rate_unit": "label"}, "reviewer_rate_amount"),
        ({"reviewer_rate_amount": 0.1}, "reviewer_rate_unit"),
        ({"reviewer_rate_unit": "hour", "reviewer_rate_amount": 30}, "reviewer_rate_unit"),
        ({"correction_effort": -0.5}, "correction_effort"),
        ({"batch_size": 0}, "batch_size"),
        ({"engineering_cost_per_batch": -3}, "engineering_cost_per_batch"),
        ({"remediation_cost_per_escape": -1}, "remediation_cost_per_escape"),
        ({"vendor": ""}, "vendor"),
    ],
)
def test_bad_rate_card_is_400_naming_the_field(finance_client, project, changes, field):
    response = post_card(finance_client, project, **changes)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not RateCard.objects.exists()


def test_cohort_rules(finance_client, project):
    other = Project.objects.create(name="Other")
    foreign = Cohort.objects.create(project=other, name="X", vendor="Acme")
    assert "cohort" in post_card(finance_client, project, cohort=foreign.pk).json()
    cohort = project.cohorts.get()  # vendor Acme
    mismatch = post_card(finance_client, project, cohort=cohort.pk, vendor="Globex")
    assert mismatch.status_code == 400 and "vendor" in mismatch.json()
    created = post_card(finance_client, project, cohort=cohort.pk, vendor="")
    assert created.status_code == 201 and created.json()["vendor"] == "Acme"
    again = post_card(finance_client, project, cohort=cohort.pk)
    assert again.status_code == 400 and "cohort" in again.json()
    assert post_card(finance_client, project).status_code == 201  # Acme's vendor-wide card
    assert "vendor" in post_card(finance_client, project).json()  # a second one is refused


def test_patch_validates_and_audits(finance_client, project):
    card = post_card(finance_client, project).json()
    url = f"/api/cost-rate-cards/{card['id']}/"
    bad = finance_client.patch(url, {"rate_amount": -2}, format="json")
    assert bad.status_code == 400 and "rate_amount" in bad.json()
    assert RateCard.objects.get().rate_amount == 0.2
    good = finance_client.patch(url, {"rate_amount": 0.25, "rate_unit": "object"}, format="json")
    assert good.status_code == 200 and good.json()["rate_amount"] == 0.25
    event = AuditEvent.objects.filter(action="cost.rate_card.update").get()
    assert event.before["rate_amount"] == 0.2 and event.after["rate_amount"] == 0.25
    assert finance_client.delete(url).status_code == 204
    assert AuditEvent.objects.filter(action="cost.rate_card.delete", entity_id=card["id"]).exists()
    assert AuditEvent.objects.filter(action="cost.rate_card.create").count() == 1


def post_scenario(client, project, segments, name="plan"):
    return client.post(
        f"/api/projects/{project.pk}/costs/scenarios/",
        {"name": name, "segments": segments},
        format="json",
    )


@pytest.mark.parametrize(
    ("segments", "field"),
    [
        ([{**SEGMENT, "defect_rate": 1.0}], "segments[0].defect_rate"),
        ([{**SEGMENT, "defect_rate": -0.01}], "segments[0].defect_rate"),
        ([SEGMENT, {**SEGMENT, "correction_error_rate": 1.0}], "segments[1].correction_error_rate"),
        ([{**SEGMENT, "rate_amount": -1}], "segments[0].rate_amount"),
        ([{**SEGMENT, "review_share": 1.5}], "segments[0].review_share"),
        ([{**SEGMENT, "rate_unit": "object"}], "segments[0].objects_per_item"),
        ([{**SEGMENT, "defect_rte": 0.1}], "segments[0].defect_rte"),
        ([{**SEGMENT, "n_items": True}], "segments[0].n_items"),
        ([{k: v for k, v in SEGMENT.items() if k != "defect_rate"}], "segments[0].defect_rate"),
        ([], "segments"),
        ("crowd", "segments"),
    ],
)
def test_bad_scenario_is_400_naming_the_segment_field(finance_client, project, segments, field):
    response = post_scenario(finance_client, project, segments)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not Scenario.objects.exists()


def test_scenario_saves_every_assumption_and_one_baseline(finance_client, project):
    first = post_scenario(finance_client, project, [SEGMENT], "crowd")
    assert first.status_code == 201
    stored = first.json()["segments"][0]
    assert stored["review_share"] == 0.5 and stored["correction_error_rate"] == 0.05
    assert stored["batch_size"] == 1000 and stored["remediation_cost_per_escape"] == 0.0
    assert post_scenario(finance_client, project, [SEGMENT], "crowd").json() == {
        "name": ["a scenario named 'crowd' already exists"]
    }
    url = f"/api/cost-scenarios/{first.json()['id']}/"
    assert finance_client.patch(url, {"is_baseline": True}, format="json").status_code == 200
    second = finance_client.post(
        f"/api/projects/{project.pk}/costs/scenarios/",
        {"name": "managed", "segments": [SEGMENT], "is_baseline": True},
        format="json",
    )
    assert second.status_code == 201
    assert list(Scenario.objects.filter(is_baseline=True).values_list("name", flat=True)) == [
        "managed"
    ]
    bad = finance_client.patch(url, {"segments": [{**SEGMENT, "defect_rate": 2}]}, format="json")
    assert bad.status_code == 400 and "segments[0].defect_rate" in bad.json()


def test_budget_validation(finance_client, project):
    url = f"/api/projects/{project.pk}/costs/budget/"
    assert finance_client.get(url).status_code == 404
    assert "amount" in finance_client.put(url, {"amount": -5}, format="json").json()
    bad_period = finance_client.put(url, {"amount": 5, "period": "Y"}, format="json")
    assert bad_period.status_code == 400 and "period" in bad_period.json()
    negative = finance_client.put(url, {"amount": 5, "per_period_amount": -1}, format="json")
    assert "per_period_amount" in negative.json()
    ok = finance_client.put(url, {"amount": 5}, format="json")
    assert ok.status_code == 200 and ok.json()["currency"] == "USD" and ok.json()["period"] == "W"
    assert AuditEvent.objects.filter(action="cost.budget.set").count() == 1


def test_compare_inline_errors_name_the_scenario(finance_client, project):
    url = f"/api/projects/{project.pk}/costs/scenarios/compare/"
    bad = {"scenarios": {"crowd": [{**SEGMENT, "correction_error_rate": 1.2}]}}
    response = finance_client.post(url, bad, format="json")
    assert response.status_code == 400
    assert "scenarios.crowd[0].correction_error_rate" in response.json()
    assert "scenarios" in finance_client.post(url, {}, format="json").json()
    unknown = finance_client.post(url, {"scenario_ids": [999999]}, format="json")
    assert unknown.status_code == 400 and "scenario_ids" in unknown.json()
    baseline = finance_client.post(
        url, {"scenarios": {"crowd": [SEGMENT]}, "baseline": "nope"}, format="json"
    )
    assert baseline.status_code == 400 and "baseline" in baseline.json()


def test_a_card_lost_to_a_concurrent_writer_is_a_400(finance_client, project, monkeypatch):
    """The check-then-insert race: the unique constraint answers 400 naming vendor, not 500."""
    from apps.costs.services import rates

    assert post_card(finance_client, project).status_code == 201
    original = rates.RateCard.objects.filter

    def no_clash(*args, **kwargs):  # the other writer had not committed when we checked
        query = original(*args, **kwargs)
        return query.none() if "vendor" in kwargs else query

    monkeypatch.setattr(rates.RateCard.objects, "filter", no_clash)
    response = post_card(finance_client, project)
    assert response.status_code == 400 and "vendor" in response.json()
    assert RateCard.objects.count() == 1
