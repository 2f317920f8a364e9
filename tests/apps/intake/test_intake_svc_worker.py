"""Screening travels through a real Redis broker to a real Celery worker on the default queue."""

from __future__ import annotations

import pytest

from apps.intake.models import ScreeningRun
from apps.intake.tasks import screen_batch
from configs.celery import route_task
from tests.apps.intake.intake_helpers import rows_by_item, uploads
from tests.apps.runtime.test_celery_worker import wait_for


def test_screening_task_is_named_and_routed_to_the_default_queue():
    assert screen_batch.name == "labelqc.intake.screen_batch"
    assert route_task(screen_batch.name, (), {}, {}) == {"queue": "default"}


@pytest.fixture
def worker(redis_celery):
    """The shared real-worker fixture (tests/apps/conftest.py)."""
    return redis_celery


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_screening_runs_on_a_worker_and_a_redelivery_does_nothing(
    worker, project, make_batch, manager, files
):
    batch = make_batch()
    chosen = {name: files[name] for name in ("astronaut.png", "astronaut_blurred.png")}
    response = manager.post(
        f"/api/batches/{batch['id']}/items/", {"files": uploads(chosen)}, format="multipart"
    )
    assert response.status_code == 201
    started = manager.post(f"/api/batches/{batch['id']}/screen/")
    assert started.status_code == 202
    job = wait_for(started.json()["id"])
    assert job.status == "succeeded" and job.progress_done == 2, job.errors
    rows = rows_by_item(manager, batch["id"])
    assert sorted(row["suggestion"] for row in rows.values()) == ["drop", "keep"]
    run = ScreeningRun.objects.get(job=job)
    screen_batch.delay(run.pk).get(timeout=30)  # redelivered: the claim makes it a no-op
    job.refresh_from_db()
    assert job.attempts == 1
