"""Cost inputs stored before the limits (a scenario or rate card at 1e308) no longer break
finance: compare, the cost report and the finance page answer, showing an overflowing total as
missing, or naming the stored card that must be fixed."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from apps.costs.models import CostReport, RateCard, Scenario
from apps.costs.services.tables import period_budget
from apps.dashboards.tables import MISSING

pytestmark = pytest.mark.django_db

SEGMENT = {"n_items": 1000, "rate_unit": "label", "rate_amount": 0.3, "defect_rate": 0.05}


def stored_scenarios(client, project) -> tuple[int, int]:
    """A normal scenario and one whose rate was set to 1e308 in the database (as the API
    allowed before the limits)."""
    url = f"/api/projects/{project.pk}/costs/scenarios/"
    ids = []
    for name in ("huge", "plain"):
        response = client.post(url, {"name": name, "segments": [SEGMENT]}, format="json")
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    huge = Scenario.objects.get(pk=ids[0])
    huge.segments = [{**huge.segments[0], "rate_amount": 1e308}]
    huge.save()
    return ids[0], ids[1]


def run_report(client, project, run_on_commit) -> CostReport:
    url = f"/api/projects/{project.pk}/costs/reports/"
    response = run_on_commit(lambda: client.post(url, {}, format="json"))
    assert response.status_code == 202, response.content
    return CostReport.objects.get(pk=response.json()["id"])


def finance_page(project, query: str = "") -> str:
    client = Client()
    client.force_login(get_user_model().objects.get(username="finance"))
    response = client.get(f"/projects/{project.pk}/finance/{query}")
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def scenario_rows(html: str) -> dict[str, list[str]]:
    table = re.search(r'data-table="scenarios">(.*?)</table>', html, re.S).group(1)
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]:
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        rows[cells[0]] = cells
    return rows


def test_compare_ranks_a_stored_overflowing_scenario_last(finance_client, priced_program):
    project = priced_program.project
    huge, plain = stored_scenarios(finance_client, project)
    response = finance_client.post(
        f"/api/projects/{project.pk}/costs/scenarios/compare/",
        {"scenario_ids": [huge, plain]},
        format="json",
    )
    assert response.status_code == 200, response.content
    result = response.json()
    records = {r["scenario"]: r for r in result["comparison"]}
    assert records["huge"]["total_cost"] is None and records["huge"]["rank"] == 2
    assert records["plain"]["rank"] == 1 and records["plain"]["total_cost"] > 0
    assert records["huge"]["delta_vs_baseline"] is None  # the baseline (first) is missing
    assert result["breakeven"][0]["remediation_cost_per_escape"] is None
    assert {r["swing"] for r in result["tornado"] if r["scenario"] == "huge"} == {None}


def test_the_report_and_the_finance_page_show_the_total_as_missing(
    finance_client, priced_program, run_on_commit
):
    project = priced_program.project
    stored_scenarios(finance_client, project)
    report = run_report(finance_client, project, run_on_commit)
    assert report.status == "succeeded", report.errors
    json.dumps(report.result, allow_nan=False)
    rows = {r["scenario"]: r for r in report.result["tables"]["scenarios"]}
    assert rows["huge"]["total_cost"] is None and rows["huge"]["rank"] == 2
    for query in ("", f"?cohort={priced_program.vendor_a.pk}"):  # the snapshot, then live
        cells = scenario_rows(finance_page(project, query))
        assert cells["huge"][1:3] == ["2", MISSING], (query, cells)
        assert cells["plain"][1] == "1"


def test_a_stored_rate_card_beyond_its_limit_is_named_not_an_internal_error(
    finance_client, priced_program, run_on_commit
):
    project = priced_program.project
    card = RateCard.objects.filter(project=project).order_by("id").first()
    RateCard.objects.filter(pk=card.pk).update(rate_amount=1e308, updated_at=timezone.now())
    report = run_report(finance_client, project, run_on_commit)
    assert report.status == "failed"
    assert [e["field"] for e in report.errors] == [f"rate_cards[{card.pk}].rate_amount"]
    html = finance_page(project, f"?cohort={priced_program.vendor_a.pk}")
    assert "No cost figures yet" in html and f"rate_cards[{card.pk}].rate_amount" in html


def test_a_missing_period_total_is_neither_over_nor_under_its_budget():
    records = [{"period": "2026-03-02", "total_cost": None}, {"period": "w2", "total_cost": 2.0}]
    assert [r["over_period_budget"] for r in period_budget(records, 1.5)] == [None, True]
