"""Helpers for the intake service tests (and the route x role matrix): photos, rows, ids."""

from __future__ import annotations

from dataclasses import asdict

import cv2
import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from skimage import data

from apps.intake.models import Batch, BatchInspection, BatchItem, InspectionItem
from apps.items.models import Item
from apps.workflow.models import Assignment
from labelqc.intake import plan_from_table


def encode(image: np.ndarray, extension: str = ".png", jpeg_quality: int | None = None) -> bytes:
    """Encode an RGB or gray array with OpenCV (which expects BGR)."""
    bgr = image if image.ndim == 2 else np.ascontiguousarray(image[:, :, ::-1])
    params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality] if jpeg_quality is not None else []
    ok, buffer = cv2.imencode(extension, bgr, params)
    assert ok
    return buffer.tobytes()


def photo(name: str) -> np.ndarray:
    """A photograph bundled with scikit-image (no download)."""
    return np.ascontiguousarray(getattr(data, name)())


def delivery_files() -> dict[str, bytes]:
    """A delivery of real photographs with a blurred copy, a re-encoded JPEG and a byte copy."""
    astronaut, coffee, chelsea = photo("astronaut"), photo("coffee"), photo("chelsea")
    files = {
        "astronaut.png": encode(astronaut),
        "camera.png": encode(photo("camera")),
        "coffee.png": encode(coffee),
        "chelsea.png": encode(chelsea),
        "rocket.png": encode(photo("rocket")),
        "astronaut_blurred.png": encode(cv2.GaussianBlur(astronaut, (0, 0), 3.0)),
        "coffee_q70.jpg": encode(coffee, ".jpg", 70),
    }
    files["chelsea_copy.png"] = files["chelsea.png"]
    return files


def uploads(files: dict[str, bytes]) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(name, content) for name, content in files.items()]


def submitted(item: Item, member) -> Assignment:
    return Assignment.objects.create(
        project=item.project,
        item=item,
        slot=0,
        annotator=member,
        status="submitted",
        submitted_at=timezone.now(),
    )


def intake_route_ids(project) -> dict[str, int]:
    """Objects for the intake routes' URL kwargs (batch, batch item, inspection)."""
    items = [
        Item.objects.create(project=project, width=10, height=10, file_name=f"intake{i}.jpg")
        for i in range(2)
    ]
    batch = Batch.objects.create(project=project, name="matrix batch")
    membership = BatchItem.objects.create(batch=batch, item=items[0])
    BatchItem.objects.create(batch=batch, item=items[1])
    plan = plan_from_table(2, 1.0)
    inspection = BatchInspection.objects.create(
        batch=Batch.objects.create(project=project, name="matrix inspected"),
        plan=asdict(plan),
        lot_size=plan.lot_size,
        sample_size=plan.sample_size,
        accept_number=plan.accept_number,
        reject_number=plan.reject_number,
        seed=0,
        review_mode="blind",
    )
    InspectionItem.objects.create(inspection=inspection, item=items[1])
    return {"batch_id": batch.pk, "batch_item_id": membership.pk, "inspection_id": inspection.pk}


def rows_by_item(client, batch_id: int) -> dict[int, dict]:
    response = client.get(f"/api/batches/{batch_id}/items/?page_size=1000")
    assert response.status_code == 200, response.content
    return {row["item"]: row for row in response.json()["results"]}
