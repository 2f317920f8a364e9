"""Fixtures for the import/export tests: the real format samples, zips, eager job runs."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.items.models import Item
from apps.jobs.models import Job
from apps.projects.models import Project

# Real files written by other projects (datumaro, label-studio-converter); see SOURCES.md there.
SAMPLES = Path(__file__).resolve().parents[2] / "formats" / "fixtures"


def zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()


def zipped(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def lying_about_size(content: bytes, declared: int) -> bytes:
    """A one-member zip whose headers declare ``declared`` bytes for the member."""
    data = bytearray(content)
    struct.pack_into("<I", data, 22, declared)  # local file header: uncompressed size
    struct.pack_into("<I", data, data.index(b"PK\x01\x02") + 24, declared)  # central directory
    return bytes(data)


class Endless(io.BytesIO):
    """A decompressor that does not stop at the declared size; counts what it handed out."""

    handed = 0

    def read(self, n: int | None = -1) -> bytes:
        data = super().read(n)
        type(self).handed += len(data)
        return data


def make_items(project: Project, sizes: dict[str, tuple[int, int]], **extra: Any) -> list[Item]:
    return [
        Item.objects.create(project=project, file_name=name, width=w, height=h, **extra)
        for name, (w, h) in sizes.items()
    ]


@pytest.fixture(autouse=True)
def isolated_media(media_root):
    """Uploads and export files of every test here go to a temporary MEDIA_ROOT."""
    return media_root


@pytest.fixture
def sample() -> Callable[[str], bytes]:
    return lambda rel: (SAMPLES / rel).read_bytes()


@pytest.fixture
def manager(project, make_member, client_for):
    """A QA manager's client (imports and exports are theirs, leads' and admins')."""
    return client_for(make_member(project, Role.QA_MANAGER, "qa").user)


@pytest.fixture
def run_import(django_capture_on_commit_callbacks, media_root):
    """POST an upload to the import endpoint and run its job eagerly; returns (response, job)."""

    def run(client, project, content: bytes, name: str, **options: Any):
        upload = SimpleUploadedFile(name, content)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/api/projects/{project.pk}/imports/",
                {"file": upload, **options},
                format="multipart",
            )
        job = Job.objects.get(pk=response.json()["id"]) if response.status_code == 202 else None
        return response, job

    return run


@pytest.fixture
def run_export(django_capture_on_commit_callbacks, media_root):
    """POST an export request and run its job eagerly; returns (job json, downloaded bytes)."""

    def run(client, project, **body: Any):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/api/projects/{project.pk}/exports/", body, format="json")
        assert response.status_code == 202, response.content
        job = client.get(f"/api/jobs/{response.json()['id']}/").json()
        assert job["status"] == "succeeded", job["errors"]
        download = client.get(f"/api/jobs/{job['id']}/download/")
        assert download.status_code == 200
        return job, b"".join(download.streaming_content)

    return run


def shape(annotation: Annotation) -> tuple:
    """What a round trip must keep: item, class name, author name, kind and geometry."""
    author = annotation.author.user.username if annotation.author else None
    return (
        annotation.item.file_name,
        annotation.label_class.name,
        author,
        annotation.geometry_type,
        annotation.geometry,
    )


def now():
    return timezone.now()


def rectangle_rle(width: int, height: int, box: tuple[int, int, int, int]) -> dict[str, Any]:
    import numpy as np
    from pycocotools import mask as mask_utils

    x, y, w, h = box
    pixels = np.zeros((height, width), dtype=np.uint8, order="F")
    pixels[y : y + h, x : x + w] = 1
    rle = mask_utils.encode(np.asfortranarray(pixels))
    return {"size": [height, width], "counts": rle["counts"].decode("ascii")}


@pytest.fixture
def program(project, make_member):
    """Two gold items and a regular one; gold shapes, and alice (exact) and bob (sloppy) work.

    Gold per item: a car box and a person polygon (g1) or mask (g2). Bob matches the g1 car,
    misses the g1 person, adds an extra car on g1, shifts the g2 car (IoU 66/78) and misses
    the g2 person: TP 2, FP 1, FN 2. On n1 alice's work was last approved, bob's last rejected.
    """
    from apps.annotations.services import annotations_bulk_create
    from apps.workflow.models import Assignment, Review

    g1, g2, n1 = make_items(project, {"g1.jpg": (40, 30), "g2.jpg": (40, 30), "n1.jpg": (40, 30)})
    for item in (g1, g2):
        item.is_gold = True
        item.save()
    alice = make_member(project, Role.ANNOTATOR, "alice")
    bob = make_member(project, Role.ANNOTATOR, "bob")
    car, person = project.classes.get(name="car"), project.classes.get(name="person")

    def box(item, x, y, w, h, **extra):
        geometry = {"x": x, "y": y, "w": w, "h": h}
        return {
            "item": item.pk,
            "label_class": car.pk,
            "geometry_type": "box",
            "geometry": geometry,
            **extra,
        }

    polygon = {
        "item": g1.pk,
        "label_class": person.pk,
        "geometry_type": "polygon",
        "geometry": {"points": [20, 5, 30, 5, 30, 20, 20, 20]},
    }
    mask = {
        "item": g2.pk,
        "label_class": person.pk,
        "geometry_type": "mask",
        "geometry": {"rle": rectangle_rle(40, 30, (2, 10, 10, 10))},
    }
    gold = [box(g1, 2, 3, 10, 8), polygon, box(g2, 5, 5, 12, 6), mask]
    records = [{**r, "source": "gold"} for r in gold]
    records += [{**r, "author": alice.pk} for r in gold]
    records += [
        box(g1, 2, 3, 10, 8, author=bob.pk),
        box(g1, 30, 22, 5, 5, author=bob.pk),
        box(g2, 6, 5, 12, 6, author=bob.pk),
        box(n1, 1, 1, 8, 8, author=alice.pk, attributes={"occluded": True}),
        box(n1, 2, 2, 8, 8, author=bob.pk),
    ]
    annotations_bulk_create(
        actor=None, project_id=project.pk, records=records, role=Role.ADMIN, member=None
    )
    for slot, (member, decisions) in enumerate(
        [(alice, ["rejected", "approved"]), (bob, ["approved", "rejected"])]
    ):
        assignment = Assignment.objects.create(
            project=project, item=n1, slot=slot, annotator=member, status="submitted"
        )
        for decision in decisions:
            Review.objects.create(project=project, assignment=assignment, status=decision)
    for item in (g1, g2):
        for member in (alice, bob):
            Assignment.objects.create(
                project=project, item=item, annotator=member, is_gold=True, status="submitted"
            )
    return {"alice": alice, "bob": bob, "car": car, "person": person, "items": (g1, g2, n1)}
