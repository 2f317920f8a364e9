"""A sharded report runs as a Celery chord through real Redis and a real worker, on PostgreSQL."""

from __future__ import annotations

import time

import pytest

from apps.analytics.models import QualityReport
from apps.analytics.services import report_params, shard_frames_from_db
from labelqc.report import quality_report

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_chord_of_shards_on_a_real_worker(redis_celery, simulated_project, qa_client):
    response = qa_client.post(
        f"/api/projects/{simulated_project.pk}/quality-reports/", {"shards": 4}, format="json"
    )
    assert response.status_code == 202, response.content
    deadline = time.monotonic() + 120
    report = QualityReport.objects.get(pk=response.json()["id"])
    while report.status in ("pending", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
        report.refresh_from_db()
    assert report.status == "succeeded", report.error
    assert report.shards.filter(done=True).count() == 4
    direct = quality_report(
        shard_frames_from_db(report, None), report_params(simulated_project, "1D")
    )
    assert report.result == direct.to_dict()
