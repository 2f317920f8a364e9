"""A quality report whose shards take longer in all than STALE_AFTER is not started again while
its shards keep finishing: each finished shard is a sign of life of the report's job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.analytics.models import QualityReport
from apps.analytics.services import compute_report_shard, finalize_report, report_start
from apps.analytics.tasks import report_start as report_start_task
from apps.jobs.dispatch import jobs_due_for_resend
from apps.jobs.models import Job
from apps.jobs.services import STALE_AFTER, job_claim

pytestmark = pytest.mark.django_db


def test_a_long_sharded_report_is_not_resent_while_its_shards_finish(simulated_project):
    report = report_start(actor=None, project_id=simulated_project.pk, filters={}, n_shards=3)
    assert job_claim(report.job_id) is not None
    three_hours_ago = timezone.now() - STALE_AFTER - timedelta(hours=1)
    Job.objects.filter(pk=report.job_id).update(
        sends=1, sent_at=three_hours_ago, started_at=three_hours_ago, heartbeat_at=three_hours_ago
    )
    assert [j.pk for j in jobs_due_for_resend()] == [report.job_id]  # silent: looks dead

    compute_report_shard(report.pk, 0)  # ... but it was only slow

    assert jobs_due_for_resend() == []
    report_start_task.apply(args=[report.pk])  # a redelivered start message does nothing
    assert Job.objects.get(pk=report.job_id).attempts == 1
    for index in (1, 2):
        compute_report_shard(report.pk, index)
    Job.objects.filter(pk=report.job_id).update(heartbeat_at=three_hours_ago)
    before_finalize = timezone.now()
    finalize_report(report.pk)  # waited in the queue: its start is a sign of life too
    job = Job.objects.get(pk=report.job_id)
    assert (job.status, job.progress_done, job.attempts) == ("succeeded", 3, 1)
    assert job.heartbeat_at >= before_finalize
    assert QualityReport.objects.get(pk=report.pk).status == "succeeded"
