"""A task travels through a real Redis broker to a real Celery worker and writes to PostgreSQL."""

from __future__ import annotations

import time

import pytest

from apps.annotations.models import Annotation
from apps.jobs.models import Job

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def wait_for(job_id: int, timeout: float = 60) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.status in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {Job.objects.get(pk=job_id).status}")


def test_import_job_runs_on_a_real_worker(redis_celery, project, item, lead_client):
    cls = project.classes.first()
    records = [
        {
            "item": item.pk,
            "label_class": cls.pk,
            "geometry_type": "box",
            "source": "gold",
            "geometry": {"x": i, "y": 1, "w": 5, "h": 5},
        }
        for i in range(200)
    ]
    response = lead_client.post(
        f"/api/projects/{project.pk}/annotations/imports/", {"annotations": records}, format="json"
    )
    assert response.status_code == 202, response.content
    job = wait_for(response.json()["id"])
    assert job.status == "succeeded", job.errors
    assert job.result == {"created": 200}
    assert Annotation.objects.filter(project=project).count() == 200
    polled = lead_client.get(f"/api/jobs/{job.pk}/").json()
    assert polled["status"] == "succeeded" and polled["progress_done"] == 200


def test_redelivered_import_does_nothing_twice(redis_celery, project, item, lead_client):
    from apps.annotations.tasks import import_records

    cls = project.classes.first()
    records = [{"item": item.pk, "label_class": cls.pk, "geometry_type": "tag", "source": "gold"}]
    job_id = lead_client.post(
        f"/api/projects/{project.pk}/annotations/imports/", {"annotations": records}, format="json"
    ).json()["id"]
    wait_for(job_id)
    import_records.delay(job_id).get(timeout=30)
    assert Annotation.objects.filter(project=project).count() == 1


def test_invalid_import_fails_the_job_and_writes_nothing(redis_celery, project, item, lead_client):
    cls = project.classes.first()
    records = [
        {
            "item": item.pk,
            "label_class": cls.pk,
            "geometry_type": "box",
            "source": "gold",
            "geometry": {"x": 1, "y": 1, "w": 5000, "h": 5},
        }
    ]
    job_id = lead_client.post(
        f"/api/projects/{project.pk}/annotations/imports/", {"annotations": records}, format="json"
    ).json()["id"]
    job = wait_for(job_id)
    assert job.status == "failed"
    assert job.errors[0]["field"] == "annotations[0].geometry.w"
    assert Annotation.objects.count() == 0


def test_the_beat_sweep_resends_a_lost_job_through_the_worker(redis_celery, project, item):
    from datetime import timedelta

    from django.utils import timezone

    from apps.jobs.dispatch import RESEND_AFTER
    from apps.jobs.tasks import resend_lost_jobs

    record = {"item": item.pk, "label_class": project.classes.first().pk, "source": "gold"}
    record["geometry_type"] = "tag"
    # Sent while the broker was down: the row says sent, no message exists.
    lost = Job.objects.create(
        kind="annotations.import",
        project=project,
        payload=[record],
        progress_total=1,
        sends=1,
        sent_at=timezone.now() - RESEND_AFTER - timedelta(seconds=1),
    )
    assert resend_lost_jobs.delay().get(timeout=30) == [lost.pk]
    job = wait_for(lost.pk)
    assert (job.status, job.sends, job.attempts) == ("succeeded", 2, 1)
    assert Annotation.objects.filter(project=project).count() == 1
    assert resend_lost_jobs.delay().get(timeout=30) == []
