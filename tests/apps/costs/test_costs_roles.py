"""Cost data is for finance, project leads and admins: every other role gets a 403."""

from __future__ import annotations

import pytest

from apps.common.roles import Role
from apps.costs.models import CostReport, RateCard, Scenario
from apps.costs.services.tables import TABLE_NAMES
from apps.jobs.models import Job

pytestmark = pytest.mark.django_db

SEGMENT = {"n_items": 100, "rate_unit": "label", "rate_amount": 0.3, "defect_rate": 0.05}


@pytest.fixture
def cost_objects(project):
    card = RateCard.objects.create(project=project, vendor="Acme", rate_unit="label", rate_amount=1)
    scenario = Scenario.objects.create(project=project, name="s", segments=[SEGMENT])
    report = CostReport.objects.create(
        project=project, status="succeeded", result={"tables": {key: [] for key in TABLE_NAMES}}
    )
    return card, scenario, report


def cost_requests(project, card, scenario, report):
    p = f"/api/projects/{project.pk}/costs"
    card_body = {"vendor": "Globex", "rate_unit": "label", "rate_amount": 0.2}
    return [
        ("get", f"{p}/rate-cards/", None),
        ("post", f"{p}/rate-cards/", card_body),
        ("get", f"/api/cost-rate-cards/{card.pk}/", None),
        ("patch", f"/api/cost-rate-cards/{card.pk}/", {"rate_amount": 2}),
        ("put", f"{p}/budget/", {"amount": 10}),
        ("get", f"{p}/budget/", None),
        ("get", f"{p}/scenarios/", None),
        ("post", f"{p}/scenarios/", {"name": "t", "segments": [SEGMENT]}),
        ("get", f"/api/cost-scenarios/{scenario.pk}/", None),
        ("patch", f"/api/cost-scenarios/{scenario.pk}/", {"description": "x"}),
        ("post", f"{p}/scenarios/compare/", {"scenario_ids": [scenario.pk]}),
        ("get", f"{p}/reports/", None),
        ("post", f"{p}/reports/", {}),
        ("get", f"{p}/reports/latest/", None),
        ("get", f"/api/cost-reports/{report.pk}/", None),
        ("get", f"/api/cost-reports/{report.pk}/csv/?table=by_class", None),
        ("delete", f"{p}/budget/", None),
        ("delete", f"/api/cost-scenarios/{scenario.pk}/", None),
        ("delete", f"/api/cost-rate-cards/{card.pk}/", None),
    ]


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.REVIEWER, Role.QA_MANAGER])
def test_labelers_and_qa_never_see_cost_data(project, make_member, client_for, cost_objects, role):
    client = client_for(make_member(project, role).user)
    for method, url, body in cost_requests(project, *cost_objects):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 403, (role, method, url, response.status_code)
    assert RateCard.objects.count() == 1 and Scenario.objects.count() == 1


@pytest.mark.parametrize("role", [Role.FINANCE, Role.PROJECT_LEAD, Role.ADMIN])
def test_finance_and_leads_use_every_cost_route(
    project, make_member, client_for, cost_objects, role
):
    client = client_for(make_member(project, role).user)
    for method, url, body in cost_requests(project, *cost_objects):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code < 400, (role, method, url, response.content[:300])


def test_a_member_of_another_project_is_refused(project, make_member, client_for, cost_objects):
    from apps.projects.models import Project

    other = Project.objects.create(name="Elsewhere")
    outsider = client_for(make_member(other, Role.FINANCE).user)
    for method, url, body in cost_requests(project, *cost_objects):
        response = getattr(outsider, method)(url, body, format="json")
        assert response.status_code == 403, (method, url)


def test_the_audit_trail_hides_cost_events_from_roles_that_may_not_read_costs(
    project, make_member, client_for
):
    finance = client_for(make_member(project, Role.FINANCE).user)
    card = {"vendor": "Acme", "rate_unit": "label", "rate_amount": 0.37}
    assert finance.post(f"/api/projects/{project.pk}/costs/rate-cards/", card).status_code == 201
    assert (
        finance.put(f"/api/projects/{project.pk}/costs/budget/", {"amount": 9}).status_code == 200
    )
    lead = client_for(make_member(project, Role.PROJECT_LEAD).user)
    assert lead.post(f"/api/projects/{project.pk}/cohorts/", {"name": "B"}).status_code == 201
    audit = f"/api/projects/{project.pk}/audit/"
    lead_actions = {e["action"] for e in lead.get(audit).json()["results"]}
    assert {"cost.rate_card.create", "cost.budget.set", "cohort.create"} <= lead_actions
    qa = client_for(make_member(project, Role.QA_MANAGER).user)
    for query in ("", "?entity_type=costs.ratecard", "?action=cost.budget.set"):
        events = qa.get(audit + query).json()["results"]
        assert not any(e["action"].startswith("cost.") for e in events), query
        assert "0.37" not in str(events)
    assert {e["action"] for e in qa.get(audit).json()["results"]} == {"cohort.create"}


def test_finance_reads_cost_jobs_only(project, make_member, client_for):
    cost = Job.objects.create(project=project, kind="costs.report", result={"total": 1})
    flags = Job.objects.create(project=project, kind="analytics.fault_flags", result={"a": 1})
    finance = client_for(make_member(project, Role.FINANCE).user)
    assert finance.get(f"/api/jobs/{cost.pk}/").status_code == 200
    assert finance.get(f"/api/jobs/{flags.pk}/").status_code == 404
    listed = finance.get(f"/api/projects/{project.pk}/jobs/").json()["results"]
    assert [j["id"] for j in listed] == [cost.pk]
    qa = client_for(make_member(project, Role.QA_MANAGER).user)
    assert qa.get(f"/api/jobs/{flags.pk}/").status_code == 200
