"""A running job is alive while its run reports: its claim and every progress report renew the
job's heartbeat, and only a job silent for STALE_AFTER is sent again and may be claimed again,
however long ago its run started."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.jobs.dispatch import jobs_due_for_resend, jobs_resend
from apps.jobs.models import Job
from apps.jobs.services import (
    STALE_AFTER,
    job_claim,
    job_finish,
    job_heartbeat,
    job_progress,
)

pytestmark = pytest.mark.django_db

KIND = "test.recorded"  # recorded by the `sent` fixture (conftest.py)


def claimed_job(*, started_ago: timedelta) -> Job:
    """A sent job whose run claimed it ``started_ago``."""
    job = Job.objects.create(kind=KIND, sends=1, sent_at=timezone.now() - started_ago)
    assert job_claim(job.pk) is not None
    then = timezone.now() - started_ago
    Job.objects.filter(pk=job.pk).update(started_at=then, heartbeat_at=then)
    return job


def heartbeat_of(job: Job):
    return Job.objects.values_list("heartbeat_at", flat=True).get(pk=job.pk)


def test_the_claim_and_each_progress_report_renew_the_heartbeat():
    job = Job.objects.create(kind=KIND)
    before = timezone.now()
    claimed = job_claim(job.pk)
    assert claimed is not None and claimed.heartbeat_at >= before
    Job.objects.filter(pk=job.pk).update(heartbeat_at=before - timedelta(hours=1))
    job_progress(job.pk, done=1, total=3)
    assert heartbeat_of(job) >= before
    Job.objects.filter(pk=job.pk).update(heartbeat_at=before - timedelta(hours=1))
    job_heartbeat(job.pk)
    assert heartbeat_of(job) >= before


def test_a_run_longer_than_stale_after_is_left_alone_while_it_reports(sent):
    job = claimed_job(started_ago=STALE_AFTER * 3)
    job_progress(job.pk, done=7, total=10)

    assert jobs_resend() == [] and sent == []
    assert job.pk not in [j.pk for j in jobs_due_for_resend(all_pending=True)]
    assert job_claim(job.pk) is None  # a redelivered message does nothing
    assert Job.objects.get(pk=job.pk).attempts == 1


def test_a_run_silent_for_stale_after_is_sent_and_claimed_again(sent):
    job = claimed_job(started_ago=STALE_AFTER * 3)
    job_progress(job.pk, done=7, total=10)
    later = timezone.now() + STALE_AFTER + timedelta(minutes=1)

    assert jobs_resend(now=later - timedelta(minutes=2)) == []
    assert jobs_resend(now=later) == [job.pk] and sent == [job.pk]
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - STALE_AFTER * 2)
    again = job_claim(job.pk)
    assert again is not None and again.attempts == 2


def test_a_running_row_without_a_heartbeat_is_judged_by_its_start(sent):
    """A row set running by other means than a claim (the admin) is not stuck for ever."""
    now = timezone.now()
    sent_at = now - STALE_AFTER * 2
    fresh = Job.objects.create(
        kind=KIND, sends=1, sent_at=sent_at, status="running", started_at=now
    )
    old = Job.objects.create(
        kind=KIND,
        sends=1,
        sent_at=sent_at,
        status="running",
        started_at=now - STALE_AFTER - timedelta(minutes=1),
    )
    assert [j.pk for j in jobs_due_for_resend(now=now)] == [old.pk]
    assert job_claim(fresh.pk) is None and job_claim(old.pk) is not None


def test_a_finished_job_gets_no_heartbeat():
    job = Job.objects.create(kind=KIND)
    job_claim(job.pk)
    job_finish(job.pk, result={"ok": True})
    finished_heartbeat = heartbeat_of(job)
    job_heartbeat(job.pk)
    job_progress(job.pk, done=5)
    assert heartbeat_of(job) == finished_heartbeat
    assert Job.objects.get(pk=job.pk).progress_done == 0
