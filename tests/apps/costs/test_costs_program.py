"""The hand-computed program of conftest.py, priced through the API and the report task.

Per assignment, with p = direct cost and q = one review pass (Acme: 0.05 per label; crowd:
no reviewer rate, so 0.4 x p), fixes = cycles x correction_effort x p:
  A1  p = 3 x 0.10 = 0.30, review 0.05, engineering 10 / 100 = 0.10           total 0.45
  A2  p = 0.20, q = 0.08, 2 passes: review 0.08, rework 1 x 1.0 x 0.20 + 0.08  total 0.56
  A3  p = 0.10, engineering 0.10, not reviewed: escapes = defect rate of the reviewed
      (car, Vendor A) rows = A4 defective of {A1, A4} = 0.5 -> remediation 0.5 x 2.0 = 1.0
                                                                               total 1.20
  A4  p = 0.20, q = 0.05, 2 passes: review 0.05, rework 1 x 0.5 x 0.20 + 0.05 = 0.15,
      engineering 0.10                                                         total 0.50
  A5  p = 0.20, pending with no pass yet                                       total 0.20
Accepted: A1-A4 (approved, approved, unreviewed, edited) = 4; A5 is in flight.
"""

from __future__ import annotations

import csv
import io
import math

import pytest
from scipy import stats

from apps.audit.models import AuditEvent
from apps.common.roles import Role
from apps.costs.models import Budget, CostReport
from apps.jobs.models import Job
from apps.workflow.models import Alert

pytestmark = pytest.mark.django_db

TOTALS = {"A1": 0.45, "A2": 0.56, "A3": 1.20, "A4": 0.50, "A5": 0.20}


def start_report(client, run_on_commit, project, body=None):
    response = run_on_commit(
        lambda: client.post(f"/api/projects/{project.pk}/costs/reports/", body or {}, format="json")
    )
    assert response.status_code == 202, response.content
    report = client.get(f"/api/cost-reports/{response.json()['id']}/").json()
    assert report["status"] == "succeeded", report["errors"]
    return report


def by(rows, key):
    return {row[key]: row for row in rows}


def test_report_numbers_equal_the_hand_arithmetic(priced_program, finance_client, run_on_commit):
    p = priced_program
    report = start_report(finance_client, run_on_commit, p.project)
    result = report["result"]
    totals = result["totals"]
    assert totals["total_cost"] == pytest.approx(2.91)
    assert totals["accepted_labels"] == 4
    assert totals["cost_per_accepted_label"] == pytest.approx(2.91 / 4)
    assert result["counts"] == {
        "labels": 5,
        "gold_left_out": 1,
        "decisions": {"approved": 2, "edited": 1, "pending": 1, "unreviewed": 1},
    }
    steps = {step["step"]: step["amount"] for step in result["tables"]["waterfall"]}
    assert steps == pytest.approx(
        {
            "direct": 1.00,
            "review": 0.18,
            "rework": 0.43,
            "engineering": 0.30,
            "remediation": 1.00,
            "total": 2.91,
        }
    )
    vendors = by(result["tables"]["by_vendor"], "vendor")
    assert vendors["Acme"]["total_cost"] == pytest.approx(0.45 + 1.20 + 0.50)
    assert vendors["Acme"]["cost_per_accepted_label"] == pytest.approx(2.15 / 3)
    assert vendors["OpenCrowd"]["cost_per_accepted_label"] == pytest.approx(0.76)
    cohorts = by(result["tables"]["by_cohort"], "cohort_name")
    assert cohorts["Crowd"]["vendor"] == "OpenCrowd"
    assert cohorts["Vendor A"]["accepted_labels"] == 3
    # Classes: A1's costs and its accepted label split 2/3 car, 1/3 person by its objects.
    classes = by(result["tables"]["by_class"], "class_name")
    car_cost = 0.45 * 2 / 3 + 0.56 + 1.20 + 0.50
    assert classes["car"]["total_cost"] == pytest.approx(car_cost)
    assert classes["car"]["accepted_labels"] == pytest.approx(2 / 3 + 3)
    assert classes["car"]["cost_per_accepted_label"] == pytest.approx(car_cost / (2 / 3 + 3))
    assert classes["person"]["total_cost"] == pytest.approx(0.45 / 3 + 0.20)
    assert classes["person"]["cost_per_accepted_label"] == pytest.approx(0.35 / (1 / 3))
    periods = by(result["tables"]["by_period"], "period")
    assert periods["2026-03-02"]["total_cost"] == pytest.approx(1.01)
    assert periods["2026-03-09"]["total_cost"] == pytest.approx(1.90)
    assert periods["2026-03-02"]["over_period_budget"] is False
    assert periods["2026-03-09"]["over_period_budget"] is True


def test_forecast_and_budget_follow_the_documented_formulas(
    priced_program, finance_client, run_on_commit
):
    result = start_report(finance_client, run_on_commit, priced_program.project)["result"]
    forecast = result["forecast"]
    ratio, remaining = 2.91 / 4, 10 - 4  # planned 10 labels, 4 accepted
    cost, accepted = [1.01, 1.90], [2, 2]
    residual_sq = sum((c - ratio * a) ** 2 for c, a in zip(cost, accepted, strict=True))
    se_sq = 2 / 1 * residual_sq / 4**2
    variance = remaining**2 * se_sq + remaining / 2 * residual_sq / 1
    half = stats.t.ppf(0.95, 1) * math.sqrt(variance)
    assert forecast["remaining_items"] == remaining
    assert forecast["forecast_to_finish"]["point"] == pytest.approx(remaining * ratio)
    assert forecast["forecast_to_finish"]["upper"] == pytest.approx(remaining * ratio + half)
    assert forecast["forecast_to_finish"]["lower"] == 0.0  # clipped
    assert forecast["estimate_at_completion"]["point"] == pytest.approx(2.91 + remaining * ratio)
    status = result["budget"]["status"]
    assert status["alert_level"] == "over" and status["alert"] is True
    assert status["remaining_budget"] == pytest.approx(5.0 - 2.91)
    flat = result["tables"]["forecast"][0]
    assert flat["estimate_at_completion"] == pytest.approx(2.91 + remaining * ratio)
    assert result["currency"] == "USD"


def test_budget_alert_is_recorded_once_per_period(priced_program, finance_client, run_on_commit):
    project = priced_program.project
    first = start_report(finance_client, run_on_commit, project)["result"]["alert"]
    second = start_report(finance_client, run_on_commit, project)["result"]["alert"]
    assert first["created"] is True and second["created"] is False
    assert first["id"] == second["id"]
    alerts = Alert.objects.filter(project=project, kind="budget")
    assert alerts.count() == 1
    assert alerts.get().key == first["key"]
    assert alerts.get().key.startswith("budget:W:") and alerts.get().key.endswith(":over")
    assert "2.91" not in alerts.get().message  # QA managers list alerts: no cost figures


def test_no_alert_when_the_forecast_is_inside_the_budget(
    priced_program, finance_client, run_on_commit
):
    project = priced_program.project
    finance_client.put(
        f"/api/projects/{project.pk}/costs/budget/",
        {"amount": 1000.0, "planned_labels": 10},
        format="json",
    )
    result = start_report(finance_client, run_on_commit, project)["result"]
    assert result["budget"]["status"]["alert_level"] == "ok"
    assert result["alert"] is None
    assert not Alert.objects.filter(project=project, kind="budget").exists()


def test_a_forecast_back_inside_the_budget_resolves_the_budget_alert(
    priced_program, finance_client, run_on_commit
):
    project = priced_program.project
    over = start_report(finance_client, run_on_commit, project)
    alert = Alert.objects.get(pk=over["result"]["alert"]["id"])
    assert alert.resolved_at is None
    finance_client.put(
        f"/api/projects/{project.pk}/costs/budget/",
        {"amount": 1000.0, "planned_labels": 10},
        format="json",
    )
    inside = start_report(finance_client, run_on_commit, project)
    assert inside["result"]["budget"]["status"]["alert_level"] == "ok"
    alert.refresh_from_db()
    assert alert.resolved_at is not None and alert.resolved_by is None
    assert alert.resolution == f"forecast inside the budget again (cost report {inside['id']})"
    finance_client.put(
        f"/api/projects/{project.pk}/costs/budget/",
        {"amount": 5.0, "planned_labels": 10},
        format="json",
    )
    again = start_report(finance_client, run_on_commit, project)["result"]["alert"]
    # over again in the same period: the same alert, open again (audited)
    assert again["id"] == alert.pk and again["created"] is False
    alert.refresh_from_db()
    assert alert.resolved_at is None and alert.resolution == ""
    assert AuditEvent.objects.filter(action="alert.reopen", entity_id=alert.pk).count() == 1


def test_what_if_reports_neither_raise_nor_resolve_budget_alerts(
    priced_program, finance_client, run_on_commit
):
    project = priced_program.project
    alert_id = start_report(finance_client, run_on_commit, project)["result"]["alert"]["id"]
    stopped_now = start_report(finance_client, run_on_commit, project, {"remaining_labels": 0})
    assert stopped_now["result"]["alert"] is None
    assert Alert.objects.get(pk=alert_id).resolved_at is None
    Alert.objects.all().delete()
    start_report(finance_client, run_on_commit, project, {"confidence": 0.5})
    assert not Alert.objects.exists()


def test_a_managers_resolution_stands_and_no_budget_resolves_the_rest(
    priced_program, finance_client, run_on_commit, make_member, client_for
):
    project = priced_program.project
    alert_id = start_report(finance_client, run_on_commit, project)["result"]["alert"]["id"]
    lead = client_for(make_member(project, Role.PROJECT_LEAD).user)
    note = {"note": "budget raise approved"}
    assert lead.post(f"/api/alerts/{alert_id}/resolve/", note, format="json").status_code == 200
    start_report(finance_client, run_on_commit, project)
    kept = Alert.objects.get(pk=alert_id)
    assert kept.resolved_at and kept.resolution == "budget raise approved" and kept.resolved_by
    Alert.objects.filter(pk=alert_id).update(resolved_at=None, resolved_by=None, resolution="")
    Budget.objects.filter(project=project).delete()
    start_report(finance_client, run_on_commit, project)
    assert "no budget any more" in Alert.objects.get(pk=alert_id).resolution


def test_csv_tables_parse_and_match_the_json(priced_program, finance_client, run_on_commit):
    report = start_report(finance_client, run_on_commit, priced_program.project)
    for table in report["tables"]:
        response = finance_client.get(f"/api/cost-reports/{report['id']}/csv/?table={table}")
        assert response.status_code == 200, (table, response.content)
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        expected = report["result"]["tables"][table]
        assert len(rows) == len(expected), table
        for row, record in zip(rows, expected, strict=True):
            assert set(row) == set(record)
            for key, value in record.items():
                if value is None:
                    assert row[key] == ""
                elif isinstance(value, bool):
                    assert row[key] == str(value).lower()
                elif isinstance(value, int | float):
                    assert float(row[key]) == value, (table, key)
                else:
                    assert row[key] == value
    assert report["result"]["tables"]["by_class"], "the check above must have compared rows"


def test_csv_errors_name_the_table_and_wait_for_a_finished_report(
    priced_program, finance_client, run_on_commit
):
    report = start_report(finance_client, run_on_commit, priced_program.project)
    response = finance_client.get(f"/api/cost-reports/{report['id']}/csv/?table=salaries")
    assert response.status_code == 400 and "table" in response.json()
    pending = CostReport.objects.create(project=priced_program.project)
    response = finance_client.get(
        f"/api/cost-reports/{pending.pk}/csv/?table=by_class", HTTP_ACCEPT="text/csv"
    )
    assert response.status_code == 409


def test_latest_report_and_job_row(priced_program, finance_client, run_on_commit):
    project = priced_program.project
    assert (
        finance_client.get(f"/api/projects/{project.pk}/costs/reports/latest/").status_code == 404
    )
    report = start_report(finance_client, run_on_commit, project)
    latest = finance_client.get(f"/api/projects/{project.pk}/costs/reports/latest/").json()
    assert latest["id"] == report["id"]
    job = Job.objects.get(pk=report["job"])
    assert job.kind == "costs.report" and job.status == "succeeded" and job.attempts == 1
    # The job (readable by QA managers) carries no cost figures, only the report's id.
    assert job.result == {"report": report["id"], "status": "succeeded"}
