"""The pre-labeling task travels through Redis to a real worker that consumes ONLY the `gpu`
queue, and writes its masks to PostgreSQL (GrabCut: the embedded default's real masks)."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker

from apps.annotations.models import Annotation
from apps.jobs.models import Job
from apps.prelabel.models import PrelabelItem
from configs.celery import app as celery_app
from tests.apps.conftest import reset_connections
from tests.conftest import REDIS_URL

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def gpu_worker():
    """A real worker on the `gpu` queue only: a task routed elsewhere would never run."""
    saved = {
        key: celery_app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")
    }
    celery_app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False)
    reset_connections(celery_app)
    try:
        with start_worker(
            celery_app, pool="solo", perform_ping_check=False, queues=["gpu"], shutdown_timeout=30
        ):
            yield celery_app
    finally:
        celery_app.conf.update(saved)
        reset_connections(celery_app)


def wait_for(job_id: int, timeout: float = 90) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.status in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {Job.objects.get(pk=job_id).status}")


def test_prelabel_job_runs_on_the_gpu_queue(gpu_worker, project, coins, lead_client):
    from apps.prelabel.tasks import run_job

    assert celery_app.amqp.router.route({}, run_job.name)["queue"].name == "gpu"
    response = lead_client.post(
        f"/api/projects/{project.pk}/prelabel-jobs/",
        {"selection": "all", "prompt_source": "human"},
        format="json",
    )
    assert response.status_code == 202, response.content
    job = wait_for(response.json()["id"])
    assert job.status == "succeeded", job.errors
    assert job.backend == "grabcut" and job.result["masks_created"] == 3
    assert Annotation.objects.filter(source="prelabel", item=coins.item).count() == 3
    assert PrelabelItem.objects.get(job=job).status == "done"
    # a redelivered message finds the job finished and writes nothing twice
    run_job.delay(job.pk).get(timeout=60)
    assert Annotation.objects.filter(source="prelabel").count() == 3
