"""Import and export jobs travel through a real Redis broker to a real Celery worker."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.annotations.models import Annotation
from apps.interop.tasks import import_file
from tests.apps.interop.conftest import make_items
from tests.apps.runtime.test_celery_worker import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(redis_celery):
    """The shared real-worker fixture (tests/apps/conftest.py)."""
    return redis_celery


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
