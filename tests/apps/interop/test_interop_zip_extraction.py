"""A zip's members land in a temporary folder beside the upload, removed when the import ends.

Folder zips (YOLO, VOC) are extracted whole and read as a folder; a zipped COCO / Label
Studio / CVAT document is streamed from the zip and only the images beside it are extracted
(for SHA-256 matching, hashed from disk in chunks). Memory stays bounded by a chunk, not by
the images or the upload, and the folder is gone after a successful and after a failed import.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
import tracemalloc
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.interop.conf import job_dir
from apps.interop.services import imports
from apps.interop.services.imports import ImportOptions, import_job_run, import_local
from apps.interop.sources import SCRATCH_PREFIX, open_source
from apps.interop.tasks import import_file
from apps.jobs.models import Job
from apps.jobs.services import STALE_AFTER
from labelqc.formats import read_yolo
from tests.apps.interop.conftest import SAMPLES, make_items, zip_folder, zipped

CAP = 1 << 20


def png(width: int, height: int, shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (shade, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def coco_of(images: dict[str, tuple[int, int]]) -> bytes:
    """A COCO document with one car box on each image."""
    return json.dumps(
        {
            "images": [
                {"id": i, "file_name": name, "width": w, "height": h}
                for i, (name, (w, h)) in enumerate(images.items())
            ],
            "categories": [{"id": 1, "name": "car"}],
            "annotations": [
                {"id": i + 1, "image_id": i, "category_id": 1, "bbox": [1, 1, 2, 2]}
                for i in range(len(images))
            ],
        }
    ).encode()


def scratch_folders(root: Path) -> list[Path]:
    return sorted(root.rglob(f"{SCRATCH_PREFIX}*"))


@pytest.fixture
def trees(monkeypatch) -> list[Any]:
    """The tree of each source read_dataset got, as it was during the read."""
    seen: list[Any] = []
    read_dataset = imports.read_dataset

    def spy(source, fmt, **kwargs):
        seen.append(source.tree)
        assert not isinstance(source.tree, dict)  # no member is held in memory
        return read_dataset(source, fmt, **kwargs)

    monkeypatch.setattr(imports, "read_dataset", spy)
    return seen


def assert_only_the_upload_is_left(job: Job, trees: list[Any]) -> None:
    """The zip was extracted beside the upload (when it got that far); only the upload is left."""
    folder = job_dir(job.pk)
    for tree in trees:
        assert isinstance(tree, Path) and tree.parent.parent == folder
        assert tree.parent.name.startswith(SCRATCH_PREFIX) and not tree.parent.exists()
    assert sorted(folder.iterdir()) == [folder / job.params["file_name"]]


# --- Imports: as before, the extracted files gone afterwards -----------------------------------


@pytest.mark.django_db
def test_a_yolo_zip_is_read_from_disk_as_it_was_from_memory(
    project, manager, make_member, run_import, trees
):
    make_member(project, Role.ANNOTATOR, "alice")
    make_items(project, {"1.jpg": (15, 10)})
    upload = zip_folder(SAMPLES / "yolo_darknet")
    _, job = run_import(
        manager,
        project,
        upload,
        "yolo.zip",
        format="yolo",
        annotator="alice",
        create_missing_classes=True,
    )
    job.refresh_from_db()
    assert job.status == "succeeded", job.errors
    assert job.result["created"] == 2 and job.result["file"] == "yolo.zip"
    assert_only_the_upload_is_left(job, trees)
    # The same dataset as reading the zip's members from memory gives.
    with zipfile.ZipFile(io.BytesIO(upload)) as archive:
        members = {
            i.filename.split("/", 1)[1]: archive.read(i)
            for i in archive.infolist()
            if not i.is_dir()
        }
    with open_source(
        job_dir(job.pk) / "yolo.zip", name="yolo.zip", fmt="yolo", max_bytes=CAP
    ) as source:
        assert read_yolo(source.tree, image_sizes={}) == read_yolo(members, image_sizes={})


@pytest.mark.django_db
def test_a_bad_yolo_zip_names_the_upload_in_its_errors(
    project, manager, make_member, run_import, trees, tmp_path
):
    make_member(project, Role.ANNOTATOR, "alice")
    make_items(project, {"1.jpg": (15, 10)})
    folder = tmp_path / "yolo"
    shutil.copytree(SAMPLES / "yolo_darknet", folder)
    (folder / "obj_train_data/1.txt").write_text("12 0.5 0.5 0.2 0.2\n")  # no class 12
    _, job = run_import(manager, project, zip_folder(folder), "bad.zip", format="yolo")
    job.refresh_from_db()
    assert job.status == "failed"
    assert [(e["file"], e["record"]) for e in job.errors] == [
        ("bad.zip", "obj_train_data/1.txt line 1")
    ]
    assert_only_the_upload_is_left(job, trees)


@pytest.mark.django_db
def test_a_zipped_coco_matches_its_images_by_sha256_from_disk(
    project, manager, run_import, trees, monkeypatch
):
    images = {f"images/p{i}.png": png(8, 6, i) for i in range(3)}
    for i, data in enumerate(images.values()):
        make_items(project, {f"item{i}.png": (8, 6)}, sha256=hashlib.sha256(data).hexdigest())
    document = coco_of({f"p{i}.png": (8, 6) for i in range(3)})
    read_bytes = Path.read_bytes

    def no_whole_image_reads(path: Path) -> bytes:
        assert path.suffix != ".png", f"{path} read whole"
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", no_whole_image_reads)
    _, job = run_import(
        manager,
        project,
        zipped(
            {"export/annotations.json": document, **{f"export/{k}": v for k, v in images.items()}}
        ),
        "coco.zip",
        format="coco",
        source="gold",
        match_images_by="sha256",
    )
    job.refresh_from_db()
    assert job.status == "succeeded", job.errors
    assert job.result["file"] == "coco.zip/annotations.json"
    assert sorted(Annotation.objects.values_list("item__file_name", flat=True)) == [
        "item0.png",
        "item1.png",
        "item2.png",
    ]
    assert_only_the_upload_is_left(job, trees)


def _lying_member(monkeypatch) -> None:
    """Every member opened hands out far more than it declares."""
    monkeypatch.setattr(
        zipfile.ZipFile, "open", lambda self, info, *a, **k: io.BytesIO(b"x" * (4 * CAP))
    )


@pytest.mark.django_db
def test_a_rerun_removes_what_a_killed_run_extracted(
    project, manager, make_member, run_import, django_capture_on_commit_callbacks, trees
):
    """A worker killed mid-import leaves its extraction; the job's next run (the stale claim's
    retake of the redelivered message) removes it before extracting again."""
    make_member(project, Role.ANNOTATOR, "alice")
    make_items(project, {"1.jpg": (15, 10)})
    with django_capture_on_commit_callbacks(execute=False):  # queued, not run
        response = manager.post(
            f"/api/projects/{project.pk}/imports/",
            {
                "file": SimpleUploadedFile("yolo.zip", zip_folder(SAMPLES / "yolo_darknet")),
                "format": "yolo",
                "annotator": "alice",
                "create_missing_classes": "true",
            },
            format="multipart",
        )
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    dead = job_dir(job.pk) / f"{SCRATCH_PREFIX}dead" / "yolo" / "obj_train_data"
    dead.mkdir(parents=True)
    (dead / "1.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    stale = timezone.now() - STALE_AFTER - timedelta(minutes=1)
    Job.objects.filter(pk=job.pk).update(status="running", started_at=stale)  # the dead run's

    import_file.apply(args=[job.pk])

    job.refresh_from_db()
    assert job.status == "succeeded", job.errors
    assert job.attempts == 1 and job.result["created"] == 2
    assert_only_the_upload_is_left(job, trees)


@pytest.mark.django_db
@pytest.mark.parametrize("failure", ["read", "plan", "extract", "bug"])
def test_the_extracted_files_are_removed_after_a_failed_import(
    failure, project, manager, run_import, trees, monkeypatch
):
    make_items(project, {"p0.png": (8, 6)})
    image = png(8, 6, 0)
    document = coco_of({"p0.png": (8, 6)})
    if failure == "read":
        document = document[:-5]  # cut JSON
    elif failure == "plan":
        document = document.replace(b'"car"', b'"truck"')  # not a class of the project
    elif failure == "bug":
        monkeypatch.setattr(imports, "plan_import", lambda *a, **k: 1 / 0)
    upload = zipped({"annotations.json": document, "p0.png": image})
    if failure == "extract":
        _lying_member(monkeypatch)  # only now: writing a zip goes through ZipFile.open too
    _, job = run_import(manager, project, upload, "coco.zip", format="coco", source="gold")
    job.refresh_from_db()
    assert job.status == "failed"
    if failure == "extract":
        assert job.errors == [
            {
                "file": "coco.zip",
                "record": "p0.png",
                "field": "size",
                "message": "member is larger than it declares",
            }
        ]
        assert trees == []  # never got to reading
    else:
        assert len(trees) == 1
    if failure == "bug":
        assert job.errors[0]["field"] == "internal"
    assert Annotation.objects.count() == 0
    assert_only_the_upload_is_left(job, trees)


@pytest.mark.django_db
def test_a_local_zip_is_extracted_in_the_temp_folder_and_removed(
    project, make_member, tmp_path, monkeypatch, trees
):
    make_member(project, Role.ANNOTATOR, "alice")
    make_items(project, {"1.jpg": (15, 10)})
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    local = tmp_path / "local"
    local.mkdir()
    (local / "yolo.zip").write_bytes(zip_folder(SAMPLES / "yolo_darknet"))
    job = import_local(
        actor=None,
        project_id=project.pk,
        path=local / "yolo.zip",
        options=ImportOptions(format="yolo", annotator="alice", create_missing_classes=True),
        progress=None,
    )
    assert job.status == "succeeded", job.errors
    (tree,) = trees
    assert tree.parent.parent == temp  # not beside a file that is not ours
    assert list(temp.iterdir()) == [] and list(local.iterdir()) == [local / "yolo.zip"]


# --- Memory: bounded by a chunk, not by the images --------------------------------------------


@pytest.mark.django_db
def test_importing_a_zip_with_40_mb_of_images_stays_small_in_memory(
    project, manager, django_capture_on_commit_callbacks, trees
):
    count, size = 20, 2 * 1024 * 1024  # 40 MiB of incompressible "images"
    images = {f"images/p{i}.jpg": os.urandom(size) for i in range(count)}
    for i, data in enumerate(images.values()):
        make_items(project, {f"item{i}.jpg": (64, 48)}, sha256=hashlib.sha256(data).hexdigest())
    upload = zipped(
        {"annotations.json": coco_of({f"p{i}.jpg": (64, 48) for i in range(count)}), **images},
        zipfile.ZIP_STORED,
    )
    with django_capture_on_commit_callbacks(execute=False):
        response = manager.post(
            f"/api/projects/{project.pk}/imports/",
            {
                "file": SimpleUploadedFile("big.zip", upload),
                "format": "coco",
                "source": "gold",
                "match_images_by": "sha256",
            },
            format="multipart",
        )
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    del upload, images, response
    tracemalloc.start()
    try:
        import_job_run(job_id)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    job = Job.objects.get(pk=job_id)
    assert job.status == "succeeded", job.errors
    assert Annotation.objects.count() == count
    # Reading the images into memory took over 40 MiB; a few chunks are all it takes now.
    assert peak < count * size // 4, f"peak {peak / 2**20:.1f} MiB"
    assert_only_the_upload_is_left(job, trees)
