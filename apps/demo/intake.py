"""The demo's second delivery, waiting in intake: new crops of the demo photographs with the
problems screening exists for (a blurred copy, a re-encoded copy, a byte copy, an under-exposed
image). It is uploaded and screened through the intake services; its items stay out of the
queue until a QA manager or lead decides on the flagged ones and releases the batch.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.intake.models import Batch
from apps.intake.services.batches import batch_add_uploads, batch_create
from apps.intake.services.screening import screening_start
from apps.projects.models import Cohort, Project

DELIVERY = "Delivery 2 (Northwind)"
VENDOR = "Northwind Data Services"
SIDE = 256


def _png(pixels: np.ndarray) -> bytes:
    return cv2.imencode(".png", cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR))[1].tobytes()


def _jpeg(pixels: np.ndarray, quality: int) -> bytes:
    bgr = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    return cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def _crop(photo: np.ndarray, top: int, left: int) -> np.ndarray:
    rgb = photo if photo.ndim == 3 else np.repeat(photo[:, :, None], 3, axis=2)
    return np.ascontiguousarray(rgb[top : top + SIDE, left : left + SIDE, :3])


def delivery_files(photos: dict[str, np.ndarray]) -> dict[str, bytes]:
    """Eight files: four clean crops, and a blurred, a re-encoded, a copied and a dark one."""
    astronaut = _crop(photos["astronaut"], 0, 120)
    coffee = _crop(photos["coffee"], 100, 200)
    rocket = _crop(photos["rocket"], 100, 100)
    camera = _crop(photos["camera"], 100, 150)
    dark = (_crop(photos["coffee"], 0, 0).astype(np.float64) * 0.08).astype(np.uint8)
    return {
        "d2-astronaut.png": _png(astronaut),
        "d2-coffee.png": _png(coffee),
        "d2-rocket.png": _png(rocket),
        "d2-camera.png": _png(camera),
        "d2-astronaut-blurred.png": _png(cv2.GaussianBlur(astronaut, (0, 0), 4.0)),
        "d2-coffee-q60.jpg": _jpeg(coffee, 60),
        "d2-rocket-copy.png": _png(rocket),
        "d2-coffee-dark.png": _png(dark),
    }


def seed_demo_delivery(project: Project, photos: dict[str, np.ndarray], *, actor: Any) -> Batch:
    """Upload the delivery as a batch and start its screening (it runs on commit)."""
    cohort = Cohort.objects.filter(project=project, vendor=VENDOR).first()
    batch = batch_create(
        actor=actor,
        project_id=project.pk,
        data={
            "name": DELIVERY,
            "vendor": VENDOR,
            "cohort": cohort.pk if cohort else None,
            "notes": "demo: the vendor's second delivery, screened on arrival",
        },
    )
    uploads = [SimpleUploadedFile(name, data) for name, data in delivery_files(photos).items()]
    batch_add_uploads(actor=actor, batch=batch, uploads=uploads)
    screening_start(actor=actor, batch=batch)
    return batch
