"""Image pre-labeling jobs predict claimed rows in batches through the backend's `predict_many`.

A GrabCut subclass with a `predict_many` (one `predict` per image, calls recorded) stands in for
a GPU backend where the test is about the job's bookkeeping; the last test runs the real SAM 2
batch path (random-weight tiny model, tests only) through a job.
"""

from __future__ import annotations

from typing import Any

import pytest
from skimage import data

from apps.annotations.models import Annotation
from apps.jobs.models import Job
from apps.prelabel import backends
from apps.prelabel.models import PrelabelItem
from apps.prelabel.services import image_job_rows, image_jobs
from labelqc.prelabel import GrabCutBackend, PrelabelError
from tests.apps.prelabel.conftest import upload_item

pytestmark = pytest.mark.django_db


class BatchingGrabCut(GrabCutBackend):
    """GrabCut with a batch API: `batch_size` images per call, each call's size recorded."""

    def __init__(self, batch_size: int) -> None:
        super().__init__()
        self.batch_size = batch_size
        self.batches: list[int] = []
        self.singles = 0

    def predict(self, image: Any, prompts: Any, *, image_sha256: str | None = None) -> Any:
        self.singles += 1
        return super().predict(image, prompts, image_sha256=image_sha256)

    def predict_many(
        self, images: Any, prompts_per_image: Any, *, image_sha256s: Any = None
    ) -> list[Any]:
        assert image_sha256s is not None and len(image_sha256s) == len(images)
        self.batches.append(len(images))
        return [
            GrabCutBackend.predict(self, image, prompts)
            for image, prompts in zip(images, prompts_per_image, strict=True)
        ]


@pytest.fixture
def batching(monkeypatch: Any) -> Any:
    """Inject a BatchingGrabCut of the size `batching(size)` names; returns the instance."""

    def install(size: int) -> BatchingGrabCut:
        backend = BatchingGrabCut(size)
        monkeypatch.setattr(backends, "build_backend", lambda kind, config: backend)
        backends.reset()
        return backend

    return install


def boxed_items(project: Any, coins: Any, n: int) -> list[Any]:
    """`n` crops of the coins photo (distinct pixels, so distinct digests), one box each."""
    box = coins.boxes[0]
    items = []
    for index in range(n):
        item = upload_item(project, coins.image[index + 1 :].copy(), f"copy{index}.png")
        x, y, w, h = box.x, box.y - (index + 1), box.w, box.h  # the same coin in the crop
        Annotation.objects.create(
            project=project, item=item, author=coins.annotator, label_class=coins.car,
            geometry_type="box", geometry={"x": x, "y": y, "w": w, "h": h},
            x=x, y=y, w=w, h=h, area=w * h,
            created_at=item.created_at, updated_at=item.created_at,
        )  # fmt: skip
        items.append(item)
    return items


def start(client: Any, project: Any, capture: Any) -> Job:
    body = {"selection": "all", "prompt_source": "human"}
    with capture(execute=True):
        response = client.post(f"/api/projects/{project.pk}/prelabel-jobs/", body, format="json")
    assert response.status_code == 202, response.content
    return Job.objects.get(pk=response.json()["id"])


def test_rows_go_to_predict_many_in_batches(
    project, coins, lead_client, batching, django_capture_on_commit_callbacks
):
    backend = batching(2)
    others = boxed_items(project, coins, 2)
    no_boxes = upload_item(project, coins.image[:64, :64], "empty.png")
    job = start(lead_client, project, django_capture_on_commit_callbacks)
    assert job.status == "succeeded", job.errors
    # rows in id order: coins, copy0 | copy1, (empty: skipped, never predicted) -> the last
    # batch holds one item and goes through predict
    assert backend.batches == [2] and backend.singles == 1
    statuses = dict(PrelabelItem.objects.filter(job=job).values_list("item_id", "status"))
    assert statuses == {
        coins.item.pk: "done", others[0].pk: "done", others[1].pk: "done", no_boxes.pk: "skipped"
    }  # fmt: skip
    assert (job.progress_done, job.progress_total, job.failures) == (4, 4, 0)
    assert job.result["masks_created"] == 3 + 1 + 1
    for item, n in ((coins.item, 3), (others[0], 1), (others[1], 1)):
        row = PrelabelItem.objects.get(job=job, item=item)
        masks = Annotation.objects.filter(item=item, source="prelabel")
        assert (row.n_prompts, row.n_masks, masks.count()) == (n, n, n)
        assert sorted(row.annotation_ids) == sorted(m.pk for m in masks)
        assert {m.attributes["prelabel_job"] for m in masks} == {job.pk}
    # a re-run of reset rows, and a second job, write nothing twice (batched path too)
    PrelabelItem.objects.filter(job=job).update(status="pending")
    image_jobs.prelabel_job_run(job.pk)
    second = start(lead_client, project, django_capture_on_commit_callbacks)
    assert second.status == "succeeded" and second.result["masks_created"] == 0
    assert Annotation.objects.filter(source="prelabel").count() == 5


def test_a_failed_batch_is_retried_item_by_item(
    project, coins, lead_client, batching, monkeypatch, django_capture_on_commit_callbacks
):
    backend = batching(3)
    others = boxed_items(project, coins, 2)
    bad_shape = others[1].pk

    def refuse(*args: Any, **kwargs: Any) -> Any:
        backend.batches.append(-1)
        raise PrelabelError("images[2]: a bad prompt")

    real_predict = backend.predict

    def predict(image: Any, prompts: Any, *, image_sha256: str | None = None) -> Any:
        if image_sha256 == others[1].sha256:
            raise PrelabelError("a bad prompt")
        return real_predict(image, prompts, image_sha256=image_sha256)

    monkeypatch.setattr(backend, "predict_many", refuse)
    monkeypatch.setattr(backend, "predict", predict)
    job = start(lead_client, project, django_capture_on_commit_callbacks)
    assert job.status == "succeeded" and backend.batches == [-1]
    statuses = dict(PrelabelItem.objects.filter(job=job).values_list("item_id", "status"))
    assert statuses == {coins.item.pk: "done", others[0].pk: "done", bad_shape: "failed"}
    failed = PrelabelItem.objects.get(job=job, item_id=bad_shape)
    assert failed.detail == "prediction failed: a bad prompt" and failed.backend == "grabcut"
    assert job.failures == 1 and not Annotation.objects.filter(item_id=bad_shape).filter(
        source="prelabel"
    )


def test_storage_error_in_a_batch_puts_its_rows_back(
    project, coins, lead_client, batching, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.prelabel import images

    backend = batching(2)
    others = boxed_items(project, coins, 2)
    real = images.read_item_bytes
    failing = {others[1].pk}

    def flaky(item):
        if item.pk in failing:
            failing.clear()  # fails once; the retry (eager: at once) reads it
            raise images.StorageError("storage timed out")
        return real(item)

    monkeypatch.setattr(images, "read_item_bytes", flaky)
    seen: list[dict] = []
    release = image_job_rows.release_rows

    def spy(row_ids):
        seen.append(dict(PrelabelItem.objects.filter(pk__in=row_ids).values_list("pk", "status")))
        release(row_ids)

    monkeypatch.setattr(image_job_rows, "release_rows", spy)
    job = start(lead_client, project, django_capture_on_commit_callbacks)
    # the first batch (coins, copy0) was written; copy1 was claimed, then put back
    assert len(seen) == 1 and set(seen[0].values()) == {"running"}
    assert job.status == "succeeded" and job.attempts == 2
    assert backend.batches == [2] and backend.singles == 1
    statuses = set(PrelabelItem.objects.filter(job=job).values_list("status", flat=True))
    assert statuses == {"done"}
    assert Annotation.objects.filter(source="prelabel").count() == 5


def test_a_disk_error_while_predicting_releases_the_job_for_its_retry(
    project, coins, lead_client, batching, monkeypatch, django_capture_on_commit_callbacks
):
    """A plain OSError (say the embedding cache's disk), not only StorageError, gives the job
    back: the retry claims it again instead of finding it 'running' and leaving it there."""
    backend = batching(2)
    boxed_items(project, coins, 1)
    real = BatchingGrabCut.predict_many
    failures = [OSError(28, "No space left on device")]

    def full_disk_once(self, *args, **kwargs):
        if failures:
            raise failures.pop()
        return real(self, *args, **kwargs)

    monkeypatch.setattr(BatchingGrabCut, "predict_many", full_disk_once)
    job = start(lead_client, project, django_capture_on_commit_callbacks)
    assert job.status == "succeeded" and job.attempts == 2
    assert set(PrelabelItem.objects.filter(job=job).values_list("status", flat=True)) == {"done"}
    assert backend.batches == [2]


def test_batch_size_of():
    assert image_jobs.batch_size_of(GrabCutBackend()) == 1  # no predict_many
    assert image_jobs.batch_size_of(BatchingGrabCut(4)) == 4
    assert image_jobs.batch_size_of(BatchingGrabCut(0)) == 1


def test_sam2_job_uses_set_image_batch(
    project, media_root, lead_client, random_sam2, make_member, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    from apps.annotations.services import annotations_bulk_create
    from apps.common.roles import Role
    from labelqc.prelabel import Sam2ImageBackend

    member = make_member(project, Role.ANNOTATOR)
    car = project.classes.get(name="car")
    photo = data.coffee()[::8, ::8].copy()
    items = [upload_item(project, photo[:, shift:], f"coffee{shift}.png") for shift in (0, 5)]
    records = [
        {
            "item": item.pk, "label_class": car.pk, "geometry_type": "box", "source": "human",
            "author": member.pk, "geometry": {"x": 5, "y": 5, "w": 30, "h": 25},
        }
        for item in items
    ]  # fmt: skip
    annotations_bulk_create(
        actor=None, project_id=project.pk, records=records, role=Role.ADMIN, member=None
    )
    build = backends.build_backend

    def build_batched(kind: str, config: Any) -> Any:
        backend = build(kind, config)
        backend.batch_size = 2  # as on CUDA (sam2.batch_size), forced on CPU
        return backend

    monkeypatch.setattr(backends, "build_backend", build_batched)
    calls: list[int] = []
    real_many = Sam2ImageBackend.predict_many

    def counted(self: Any, images: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(images))
        return real_many(self, images, *args, **kwargs)

    monkeypatch.setattr(Sam2ImageBackend, "predict_many", counted)
    job = start(lead_client, project, django_capture_on_commit_callbacks)
    assert job.status == "succeeded", job.errors
    assert calls == [2]
    (backend,) = random_sam2.built
    assert backend.stats["embeddings_computed"] == 2  # one set_image_batch over both images
    for item in items:
        row = PrelabelItem.objects.get(job=job, item=item)
        assert row.status == "done" and row.n_prompts == 1 and row.backend == "sam2"
        masks = Annotation.objects.filter(item=item, source="prelabel")
        assert masks.count() == row.n_masks
