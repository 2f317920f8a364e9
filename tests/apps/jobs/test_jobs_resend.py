"""A job whose message was lost is sent again: pending ones after a doubling wait, running ones
once their claim is stale; never a job a management command runs itself; one that cannot be
sent is left for the next sweep without stopping the others."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.annotations.models import Annotation
from apps.annotations.services import import_job_start
from apps.annotations.tasks import import_records
from apps.jobs import dispatch
from apps.jobs.dispatch import RESEND_AFTER, job_send, jobs_due_for_resend, jobs_resend
from apps.jobs.models import Job
from apps.jobs.services import STALE_AFTER

pytestmark = pytest.mark.django_db

KIND = "test.recorded"  # recorded by the `sent` fixture (conftest.py)


def make_job(*, sent_ago: timedelta | None, sends: int = 1, kind: str = KIND, **fields) -> Job:
    now = timezone.now()
    return Job.objects.create(
        kind=kind,
        sends=sends if sent_ago is not None else 0,
        sent_at=now - sent_ago if sent_ago is not None else None,
        **fields,
    )


def test_a_lost_import_is_sent_again_and_runs(project, item, monkeypatch, lead_client):
    records = [{"item": item.pk, "label_class": project.classes.first().pk, "source": "gold"}]
    records[0]["geometry_type"] = "tag"
    job = import_job_start(actor=None, project_id=project.pk, records=records)

    def broker_down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(import_records, "delay", broker_down)
    with pytest.raises(OperationalError):
        job_send(job)
    monkeypatch.undo()
    job.refresh_from_db()
    assert (job.status, job.sends) == ("pending", 1)

    assert jobs_resend() == []  # too early: the message may still be on its way
    assert jobs_resend(now=timezone.now() + RESEND_AFTER) == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.sends, job.attempts) == ("succeeded", 2, 1)
    assert Annotation.objects.filter(project=project).count() == 1
    assert jobs_resend(now=timezone.now() + 10 * RESEND_AFTER) == []  # done: nothing to send


def test_the_wait_before_each_resend_doubles(sent):
    job = make_job(sent_ago=timedelta(0), sends=1)
    now = timezone.now()
    assert jobs_resend(now=now + RESEND_AFTER - timedelta(seconds=5)) == []
    assert jobs_resend(now=now + RESEND_AFTER) == [job.pk]
    job.refresh_from_db()
    assert job.sends == 2
    after_second = job.sent_at
    assert jobs_resend(now=after_second + RESEND_AFTER) == []
    assert jobs_resend(now=after_second + 2 * RESEND_AFTER) == [job.pk]
    job.sends = 40
    job.save(update_fields=["sends"])
    job.refresh_from_db()
    assert jobs_resend(now=job.sent_at + 63 * RESEND_AFTER) == []
    assert jobs_resend(now=job.sent_at + 64 * RESEND_AFTER) == [job.pk]  # capped at 16 h
    assert sent == [job.pk, job.pk, job.pk]


def test_a_job_never_sent_is_left_alone(sent):
    local = make_job(sent_ago=None, params={"local_path": "/data/export.zip"})
    assert local.sends == 0
    assert jobs_resend(now=timezone.now() + timedelta(days=2), all_pending=True) == []
    assert sent == []


def test_running_jobs_are_resent_only_once_their_claim_is_stale(sent):
    now = timezone.now()
    fresh = make_job(sent_ago=timedelta(hours=3), status="running", started_at=now)
    stale = make_job(
        sent_ago=timedelta(hours=3),
        status="running",
        started_at=now - STALE_AFTER - timedelta(minutes=1),
    )
    for status in ("succeeded", "failed", "cancelled"):
        make_job(sent_ago=timedelta(hours=3), status=status)
    assert jobs_resend(now=now) == [stale.pk]
    assert sent == [stale.pk]
    assert fresh.pk not in [job.pk for job in jobs_due_for_resend(now=now, all_pending=True)]


def test_all_pending_sends_every_pending_job_at_once(sent):
    pending = make_job(sent_ago=timedelta(seconds=1))
    make_job(sent_ago=timedelta(seconds=1), status="running", started_at=timezone.now())
    assert jobs_resend() == []
    assert jobs_resend(all_pending=True) == [pending.pk]


def test_a_job_that_cannot_be_sent_does_not_stop_the_others(sent, monkeypatch, caplog):
    def broker_down(job):
        raise OperationalError("connection refused")

    monkeypatch.setitem(dispatch._senders, "test.broken", broker_down)
    unknown = make_job(sent_ago=timedelta(hours=1), kind="test.removed-feature")
    broken = make_job(sent_ago=timedelta(hours=1), kind="test.broken")
    fine = make_job(sent_ago=timedelta(hours=1))
    with caplog.at_level(logging.WARNING, logger="apps.jobs.dispatch"):
        assert jobs_resend() == [fine.pk]
    assert sent == [fine.pk]
    assert f"could not re-send job {unknown.pk} (test.removed-feature)" in caplog.text
    assert f"could not re-send job {broken.pk} (test.broken)" in caplog.text
    broken.refresh_from_db()
    unknown.refresh_from_db()
    assert (broken.sends, unknown.sends) == (2, 1)  # the failed send waits its turn again


def test_starting_a_job_of_an_unregistered_kind_fails_before_commit(project):
    from apps.jobs.dispatch import job_send_on_commit

    job = Job.objects.create(kind="test.unregistered", project=project)
    with pytest.raises(LookupError, match="unregistered"):
        job_send_on_commit(job)
