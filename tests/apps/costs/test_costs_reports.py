"""The report task: claims its job, runs once, fails with a named field, compares scenarios."""

from __future__ import annotations

import pytest

from apps.costs.models import CostReport, RateCard
from apps.costs.services import report_run, report_start, reports
from apps.costs.tasks import compute_report
from apps.jobs.models import Job
from apps.jobs.services import job_cancel
from apps.workflow.models import Alert

pytestmark = pytest.mark.django_db

# docs/cost-model.md worked example: 100,000 images of 8 objects, defaults for review,
# correction effort 1, d_r = d, 30 per escaped defect.
CROWD = {
    "n_items": 100_000,
    "objects_per_item": 8,
    "rate_unit": "object",
    "rate_amount": 0.04,
    "defect_rate": 0.05,
    "remediation_cost_per_escape": 30,
}
MANAGED = {**CROWD, "rate_amount": 0.10, "defect_rate": 0.005}


def test_task_runs_through_the_job_and_a_rerun_changes_nothing(
    priced_program, finance_client, run_on_commit
):
    project = priced_program.project
    report = run_on_commit(lambda: report_start(actor=None, project_id=project.pk, params={}))
    report.refresh_from_db()
    job = Job.objects.get(pk=report.job_id)
    assert (report.status, job.status, job.attempts) == ("succeeded", "succeeded", 1)
    snapshot = (report.result, report.finished_at)
    compute_report.delay(report.pk)  # a redelivered message (eager here)
    report_run(report.pk)
    report.refresh_from_db()
    job.refresh_from_db()
    assert (report.result, report.finished_at) == snapshot
    assert job.attempts == 1 and job.status == "succeeded"
    assert Alert.objects.filter(kind="budget").count() == 1
    assert report.params == {"period": "W", "confidence": 0.9, "remaining_labels": None}


def test_a_report_without_rate_cards_fails_naming_the_field(program, finance_client, run_on_commit):
    response = run_on_commit(
        lambda: finance_client.post(
            f"/api/projects/{program.project.pk}/costs/reports/", {}, format="json"
        )
    )
    assert response.status_code == 202
    report = CostReport.objects.get(pk=response.json()["id"])
    assert report.status == "failed" and report.result is None
    assert report.errors[0]["field"] == "rate_cards"
    assert Job.objects.get(pk=report.job_id).status == "failed"


def test_work_of_a_vendor_without_a_card_fails_naming_vendor_and_assignment(
    priced_program, finance_client, run_on_commit
):
    RateCard.objects.filter(vendor="OpenCrowd").delete()
    response = run_on_commit(
        lambda: finance_client.post(
            f"/api/projects/{priced_program.project.pk}/costs/reports/", {}, format="json"
        )
    )
    report = CostReport.objects.get(pk=response.json()["id"])
    assert report.status == "failed"
    error = report.errors[0]
    assert error["field"] == "vendor" and "OpenCrowd" in error["messages"][0]
    assert error["record"] == str(priced_program.rows["A2"].pk)


def test_override_remaining_labels_and_period(priced_program, finance_client, run_on_commit):
    response = run_on_commit(
        lambda: finance_client.post(
            f"/api/projects/{priced_program.project.pk}/costs/reports/",
            {"remaining_labels": 100, "period": "M", "confidence": 0.8},
            format="json",
        )
    )
    result = CostReport.objects.get(pk=response.json()["id"]).result
    assert result["forecast"]["remaining_items"] == 100
    assert result["forecast"]["forecast_to_finish"]["point"] == pytest.approx(100 * 2.91 / 4)
    assert [row["period"] for row in result["tables"]["by_period"]] == ["2026-03-01"]
    assert result["forecast"]["interval_reason"]  # one month: no interval


def test_bad_report_parameters_are_400(finance_client, project):
    url = f"/api/projects/{project.pk}/costs/reports/"
    assert "period" in finance_client.post(url, {"period": "Y"}, format="json").json()
    assert "confidence" in finance_client.post(url, {"confidence": 1.5}, format="json").json()
    negative = finance_client.post(url, {"remaining_labels": -1}, format="json")
    assert "remaining_labels" in negative.json()
    assert not CostReport.objects.exists()


def test_compare_reproduces_the_documented_worked_example(finance_client, project):
    response = finance_client.post(
        f"/api/projects/{project.pk}/costs/scenarios/compare/",
        {"scenarios": {"crowd": [CROWD], "managed": [MANAGED]}},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    totals = {row["scenario"]: row["total_cost"] for row in body["comparison"]}
    assert totals["crowd"] == pytest.approx(114_579, abs=1)
    assert totals["managed"] == pytest.approx(103_781, abs=1)
    assert body["breakeven"][0]["remediation_cost_per_escape"] == pytest.approx(25.20, abs=0.01)
    crowd_tornado = [row for row in body["tornado"] if row["scenario"] == "crowd"]
    assert [row["field"] for row in crowd_tornado[:3]] == [
        "n_items",
        "defect_rate",
        "remediation_cost_per_escape",
    ]
    assert crowd_tornado[0]["swing"] == pytest.approx(22_916, abs=1)


def test_stored_scenarios_are_compared_in_the_report(priced_program, finance_client, run_on_commit):
    url = f"/api/projects/{priced_program.project.pk}/costs/scenarios/"
    for name, segment, baseline in (("crowd", CROWD, False), ("managed", MANAGED, True)):
        body = {"name": name, "segments": [segment], "is_baseline": baseline}
        assert finance_client.post(url, body, format="json").status_code == 201
    response = run_on_commit(
        lambda: finance_client.post(
            f"/api/projects/{priced_program.project.pk}/costs/reports/", {}, format="json"
        )
    )
    result = CostReport.objects.get(pk=response.json()["id"]).result
    assert result["scenarios"] == {"baseline": "managed", "count": 2}
    rows = {row["scenario"]: row for row in result["tables"]["scenarios"]}
    assert rows["crowd"]["delta_vs_baseline"] == pytest.approx(114_579 - 103_781, abs=2)
    assert rows["managed"]["rank"] == 1 and "waterfall" not in rows["managed"]
    assert {row["scenario"] for row in result["tables"]["tornado"]} == {"crowd", "managed"}


def test_a_weekly_budget_is_not_compared_with_months(priced_program, finance_client, run_on_commit):
    response = run_on_commit(
        lambda: finance_client.post(
            f"/api/projects/{priced_program.project.pk}/costs/reports/",
            {"period": "M"},
            format="json",
        )
    )
    row = CostReport.objects.get(pk=response.json()["id"]).result["tables"]["by_period"][0]
    assert row["period_budget"] is None and row["over_period_budget"] is None


def test_the_task_is_registered_and_routed_to_the_default_queue():
    from configs.celery import app, route_task

    app.loader.import_default_modules()
    assert "labelqc.costs.compute_report" in app.tasks
    assert route_task("labelqc.costs.compute_report", (), {}, {}) == {"queue": "default"}


def test_a_report_cancelled_while_it_computes_records_nothing(priced_program, monkeypatch):
    project = priced_program.project
    report = report_start(actor=None, project_id=project.pk, params={})  # not run: no on_commit
    real = reports.build_report

    def cancelled_meanwhile(*args, **kwargs):
        job_cancel(report.job_id)
        return real(*args, **kwargs)

    monkeypatch.setattr(reports, "build_report", cancelled_meanwhile)
    report_run(report.pk)
    report.refresh_from_db()
    assert report.status == "failed" and report.result is None
    assert report.errors == [{"field": "job", "messages": ["the job was cancelled"]}]
    assert Job.objects.get(pk=report.job_id).status == "cancelled"
    assert not Alert.objects.filter(kind="budget").exists()
