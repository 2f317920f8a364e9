"""Import and export jobs travel through a real Redis broker to a real Celery worker."""

from __future__ import annotations

import contextlib

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.annotations.models import Annotation
from apps.interop.tasks import import_file
from configs.celery import app as celery_app
from tests.apps.interop.conftest import make_items
from tests.apps.runtime.test_celery_worker import wait_for
from tests.conftest import REDIS_URL

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

# A Redis database of its own, so a worker of another test run never takes these messages.
BROKER = REDIS_URL.rsplit("/", 1)[0] + "/13"


def _forget_connections() -> None:
    """Eager `.delay()` calls earlier in the session cache a producer pool for the default
    broker URL and a disabled result backend; drop both so the ones configured now are used."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    with contextlib.suppress(AttributeError):
        del celery_app._local.backend


@pytest.fixture
def worker():
    keys = ("broker_url", "result_backend", "task_always_eager")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(broker_url=BROKER, result_backend=BROKER, task_always_eager=False)
    _forget_connections()
    try:
        with start_worker(
            celery_app,
            pool="solo",
            perform_ping_check=False,
            queues=["default"],
            shutdown_timeout=30,
        ):
            yield celery_app
    finally:
        celery_app.conf.update(saved)
        _forget_connections()


def test_import_then_export_on_a_worker(worker, project, manager, sample, media_root):
    make_items(project, {"b.jpg": (5, 10)})
    upload = SimpleUploadedFile("val.json", sample("coco/instances_val.json"))
    response = manager.post(
        f"/api/projects/{project.pk}/imports/",
        {"file": upload, "format": "coco", "source": "gold", "create_missing_classes": True},
        format="multipart",
    )
    assert response.status_code == 202
    job = wait_for(response.json()["id"])
    assert job.status == "succeeded", job.errors
    import_file.delay(job.pk).get(timeout=30)  # redelivered: the claim makes it a no-op
    assert Annotation.objects.filter(project=project).count() == 2
    export = manager.post(
        f"/api/projects/{project.pk}/exports/",
        {"format": "coco", "sources": ["gold"]},
        format="json",
    )
    done = wait_for(export.json()["id"])
    assert done.status == "succeeded", done.errors
    download = manager.get(f"/api/jobs/{done.pk}/download/")
    assert download.status_code == 200
    assert b'"segmentation"' in b"".join(download.streaming_content)
