"""Quality reports run as jobs, are stored as snapshots, and sharded runs equal one-process runs."""

from __future__ import annotations

import pytest

from apps.analytics import services
from apps.analytics.models import QualityReport
from apps.analytics.services import report_params, shard_frames_from_db
from apps.jobs.services import job_cancel
from labelqc.report import quality_report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def run_jobs_on_commit(django_capture_on_commit_callbacks):
    """Jobs are enqueued on commit; in these (transactional) tests, run them when the request ends."""
    global start

    def start(client, project, **body):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/api/projects/{project.pk}/quality-reports/", body, format="json")

    yield


def test_sharded_report_equals_the_single_process_report(simulated_project, qa_client):
    response = start(qa_client, simulated_project, shards=3)
    assert response.status_code == 202, response.content
    report = QualityReport.objects.get(pk=response.json()["id"])
    assert report.status == "succeeded", report.error
    assert report.n_shards == 3 and report.shards.count() == 3
    direct = quality_report(
        shard_frames_from_db(report, None), report_params(simulated_project, "1D")
    ).to_dict()
    assert report.result == direct
    assert {"scores", "confusion", "class_iou", "agreement", "drift", "class_mix"} <= set(
        report.result
    )
    annotators = {row["entity"] for row in report.result["scores"]["annotator"]}
    assert len(annotators) == 6
    job = qa_client.get(f"/api/jobs/{report.job_id}/").json()
    assert job["status"] == "succeeded" and job["progress_done"] == 3
    latest = qa_client.get(f"/api/projects/{simulated_project.pk}/quality-reports/latest/").json()
    assert latest["id"] == report.pk and latest["result"] == report.result


def test_filters_narrow_the_report(simulated_project, qa_client):
    cohort = simulated_project.cohorts.first()
    response = start(qa_client, simulated_project, cohort_ids=[cohort.pk])
    report = QualityReport.objects.get(pk=response.json()["id"])
    members = set(cohort.annotators.values_list("pk", flat=True))
    assert {row["entity"] for row in report.result["scores"]["annotator"]} <= members


def test_bad_parameters_are_400s_naming_the_field(simulated_project, qa_client):
    bad_window = start(qa_client, simulated_project, window="1M")
    assert bad_window.status_code == 400 and "window" in bad_window.json()
    backwards = start(
        qa_client, simulated_project, since="2026-02-01T00:00Z", until="2026-01-01T00:00Z"
    )
    assert backwards.status_code == 400 and "until" in backwards.json()
    assert QualityReport.objects.count() == 0


def test_annotators_cannot_read_reports(simulated_project, make_member, client_for):
    from apps.common.roles import Role

    annotator = client_for(make_member(simulated_project, Role.ANNOTATOR).user)
    assert start(annotator, simulated_project).status_code == 403


def test_a_report_cancelled_while_it_computes_stores_no_result(
    simulated_project, qa_client, monkeypatch
):
    real = services.finalize

    def cancelled_meanwhile(*args, **kwargs):
        job_cancel(QualityReport.objects.get().job_id)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "finalize", cancelled_meanwhile)
    response = start(qa_client, simulated_project)
    assert response.status_code == 202, response.content
    report = QualityReport.objects.get(pk=response.json()["id"])
    assert (report.status, report.result, report.error) == (
        "failed",
        None,
        "the job was cancelled",
    )
