"""Pre-labeling jobs without a checkpoint: GrabCut on a real photograph, end to end (eager).

Bound: each coin's pre-label mask has IoU >= 0.90 with the coin's Otsu region (the pure
GrabCut test measured min 0.948 over all 22 coins; the box alone scores about 0.65).
"""

from __future__ import annotations

import numpy as np
import pytest

from apps.annotations.models import Annotation
from apps.audit.models import AuditEvent
from apps.jobs.models import Job
from apps.prelabel.models import PrelabelItem
from apps.prelabel.services import image_job_rows, image_jobs
from apps.prelabel.tasks import run_job
from labelqc.prelabel.masks import decode_rle
from tests.apps.prelabel.conftest import upload_item

pytestmark = pytest.mark.django_db


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def start(client, project, body, capture, execute: bool = True):
    with capture(execute=execute):
        response = client.post(f"/api/projects/{project.pk}/prelabel-jobs/", body, format="json")
    return response


def test_grabcut_job_prelabels_coins(
    project, coins, lead_client, django_capture_on_commit_callbacks
):
    body = {"selection": "ids", "item_ids": [coins.item.pk], "prompt_source": "human"}
    response = start(lead_client, project, body, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    assert response.json()["backend"] == "grabcut"
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", job.errors
    assert job.backend == "grabcut" and job.kind == "prelabel.images"
    assert (job.progress_done, job.progress_total, job.failures) == (1, 1, 0)
    assert job.result["items"] == {"done": 1, "failed": 0, "skipped": 0, "pending": 0}
    assert job.result["masks_created"] == 3 and job.result["backend"] == "grabcut"
    masks = Annotation.objects.filter(item=coins.item, source="prelabel").order_by("id")
    assert masks.count() == 3
    for mask in masks:
        assert mask.geometry_type == "mask" and mask.model_id.startswith("opencv-grabcut@")
        assert mask.label_class_id == coins.car.pk and mask.author_id is None
        assert mask.score is None  # GrabCut has no calibrated confidence ...
        assert mask.attributes["uncertainty"] is None  # ... so no uncertainty, with the reason
        assert "grabcut" in mask.attributes["uncertainty_reason"]
        assert mask.attributes["backend"] == "grabcut"
        assert mask.attributes["prelabel_job"] == job.pk
        reference = coins.references[mask.attributes["prompt_annotation"]]
        predicted = decode_rle(mask.geometry["rle"])
        assert _iou(predicted, reference) >= 0.90
        assert mask.area == float(predicted.sum())
    row = PrelabelItem.objects.get(job=job)
    assert (row.status, row.n_prompts, row.n_masks, row.backend) == ("done", 3, 3, "grabcut")
    assert row.uncertainty_max is None and "grabcut" in row.detail
    assert sorted(row.annotation_ids) == sorted(m.pk for m in masks)
    # written through the annotation service: audited per annotation, plus the job start
    assert AuditEvent.objects.filter(action="annotation.create", entity_id__in=row.annotation_ids)
    assert AuditEvent.objects.filter(action="prelabel.job_start", entity_id=job.pk).exists()
    items = lead_client.get(f"/api/prelabel-jobs/{job.pk}/items/").json()["results"]
    assert [(r["item"], r["status"], r["n_masks"]) for r in items] == [(coins.item.pk, "done", 3)]


def test_rerun_and_second_job_write_no_duplicates(
    project, coins, lead_client, django_capture_on_commit_callbacks
):
    body = {"selection": "all", "prompt_source": "human"}
    first = start(lead_client, project, body, django_capture_on_commit_callbacks).json()["id"]
    assert Annotation.objects.filter(source="prelabel").count() == 3
    run_job.delay(first)  # a redelivered message: the job is finished, nothing happens
    # a row reset by hand is re-claimed only with its job: still nothing new is written
    PrelabelItem.objects.filter(job_id=first).update(status="pending")
    image_jobs.prelabel_job_run(first)
    assert Annotation.objects.filter(source="prelabel").count() == 3
    second = start(lead_client, project, body, django_capture_on_commit_callbacks).json()["id"]
    job = Job.objects.get(pk=second)
    assert job.status == "succeeded" and job.result["masks_created"] == 0
    row = PrelabelItem.objects.get(job=job)
    assert row.status == "done" and row.detail == "already pre-labeled by this model"
    assert Annotation.objects.filter(source="prelabel").count() == 3


def test_corrupt_item_fails_alone(project, coins, lead_client, django_capture_on_commit_callbacks):
    broken = upload_item(project, coins.image, "broken.png")
    with broken.file.open("wb") as stream:  # the stored file is damaged after upload
        stream.write(b"\x89PNG\r\n\x1a\n not a png any more")
    Annotation.objects.create(
        project=project,
        item=broken,
        author=coins.annotator,
        label_class=coins.car,
        geometry_type="box",
        geometry={"x": 10, "y": 10, "w": 40, "h": 40},
        x=10, y=10, w=40, h=40, area=1600,
        created_at=coins.item.created_at,
        updated_at=coins.item.created_at,
    )  # fmt: skip
    no_boxes = upload_item(project, coins.image[:64, :64], "empty.png")
    body = {"selection": "all", "prompt_source": "human"}
    job_id = start(lead_client, project, body, django_capture_on_commit_callbacks).json()["id"]
    job = Job.objects.get(pk=job_id)
    assert job.status == "succeeded"  # one bad image does not fail the job
    assert (job.progress_done, job.progress_total, job.failures) == (3, 3, 1)
    statuses = dict(PrelabelItem.objects.filter(job=job).values_list("item_id", "status"))
    assert statuses == {coins.item.pk: "done", broken.pk: "failed", no_boxes.pk: "skipped"}
    failed = PrelabelItem.objects.get(job=job, item=broken)
    assert "not a readable image" in failed.detail
    assert job.errors == [{"field": f"items.{broken.pk}", "messages": [failed.detail]}]
    skipped = PrelabelItem.objects.get(job=job, item=no_boxes)
    assert "GrabCut has no automatic mode" in skipped.detail
    assert Annotation.objects.filter(source="prelabel", item=coins.item).count() == 3


def test_cancel_between_items(
    project, coins, lead_client, monkeypatch, django_capture_on_commit_callbacks
):
    others = [upload_item(project, coins.image, f"copy{i}.png") for i in range(2)]
    for other in others:
        Annotation.objects.create(
            project=project, item=other, author=coins.annotator, label_class=coins.car,
            geometry_type="box", geometry={"x": 10, "y": 10, "w": 40, "h": 40},
            x=10, y=10, w=40, h=40, area=1600,
            created_at=other.created_at, updated_at=other.created_at,
        )  # fmt: skip
    progress = image_job_rows.progress
    seen: list[int] = []

    def progress_then_cancel(job_id):
        progress(job_id)
        seen.append(job_id)
        lead_client.delete(f"/api/jobs/{job_id}/")  # the user cancels after the first item

    monkeypatch.setattr(image_job_rows, "progress", progress_then_cancel)
    body = {"selection": "all", "prompt_source": "human"}
    job_id = start(lead_client, project, body, django_capture_on_commit_callbacks).json()["id"]
    job = Job.objects.get(pk=job_id)
    assert job.status == "cancelled" and seen == [job_id]
    assert job.progress_done == 1
    statuses = sorted(PrelabelItem.objects.filter(job=job).values_list("status", flat=True))
    assert statuses == ["done", "pending", "pending"]
    assert not Annotation.objects.filter(source="prelabel", item__in=others).exists()
    image_jobs.prelabel_job_run(job_id)  # a cancelled job is never picked up again
    assert sorted(PrelabelItem.objects.filter(job=job).values_list("status", flat=True)) == statuses


def test_cancelled_before_it_starts(
    project, coins, lead_client, django_capture_on_commit_callbacks
):
    body = {"selection": "all", "prompt_source": "human"}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job_id = lead_client.post(
            f"/api/projects/{project.pk}/prelabel-jobs/", body, format="json"
        ).json()["id"]
    assert lead_client.delete(f"/api/jobs/{job_id}/").json()["status"] == "cancelled"
    for callback in callbacks:
        callback()
    assert Job.objects.get(pk=job_id).status == "cancelled"
    assert not Annotation.objects.filter(source="prelabel").exists()


def test_storage_error_retries_then_succeeds(
    project, coins, lead_client, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.prelabel import images

    real = images.read_item_bytes
    calls: list[int] = []

    def flaky(item):
        calls.append(item.pk)
        if len(calls) == 1:
            raise images.StorageError("storage timed out")
        return real(item)

    monkeypatch.setattr(images, "read_item_bytes", flaky)
    body = {"selection": "all", "prompt_source": "human"}
    job_id = start(lead_client, project, body, django_capture_on_commit_callbacks).json()["id"]
    job = Job.objects.get(pk=job_id)
    assert calls == [coins.item.pk, coins.item.pk]  # retried once (eager retries run at once)
    assert job.status == "succeeded" and job.attempts == 2
    assert Annotation.objects.filter(source="prelabel").count() == 3


def test_bad_requests_name_the_field(project, coins, lead_client):
    url = f"/api/projects/{project.pk}/prelabel-jobs/"
    cases = [
        ({"prompt_source": "none"}, "prompt_source"),  # GrabCut has no automatic masks
        ({"selection": "ids"}, "item_ids"),
        ({"selection": "ids", "item_ids": [coins.item.pk, 999999]}, "item_ids"),
        ({"label_class": 999999}, "label_class"),
        ({"prompt_source": "gold"}, "prompt_source"),  # gold answers are never prompts
        ({"selection": "unlabeled"}, "selection"),  # the coins item has human boxes
    ]
    for body, field in cases:
        response = lead_client.post(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json(), (body, response.json())
    assert not Job.objects.exists()
