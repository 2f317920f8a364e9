"""Fixtures for the pre-labeling service tests.

Real photographs: scikit-image's `coins` uploaded as an item, with human box annotations around
coins found by Otsu thresholding (the reference regions for mask quality). SAM 2 is never
downloaded: tests that need it inject a random-weight SAM 2.1 hiera-tiny at 256 px on one torch
thread through `apps.prelabel.backends.build_backend` (and the test-only setting that allows
random weights); nothing here judges random-weight masks.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from scipy import ndimage
from skimage import data, filters, measure, morphology

from apps.annotations.services import annotations_bulk_create
from apps.common.roles import Role
from apps.items.models import Item
from apps.items.services import item_create_from_upload
from apps.prelabel import backends

SMALL = ("++model.image_size=256",)


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


def upload_item(project: Any, array: np.ndarray, name: str, **extra: Any) -> Item:
    return item_create_from_upload(
        actor=None,
        project_id=project.pk,
        upload=SimpleUploadedFile(name, png(array), content_type="image/png"),
        **extra,
    )


def coin_regions(image: np.ndarray) -> list[Any]:
    """Otsu coin regions of data.coins() (see tests/prelabel/test_grabcut_fallback.py)."""
    foreground = image > filters.threshold_otsu(image)
    foreground = ndimage.binary_fill_holes(ndimage.binary_closing(foreground, morphology.disk(2)))
    labels = measure.label(foreground)
    height, width = image.shape
    return [
        region
        for region in measure.regionprops(labels)
        if 500 <= region.area <= 5000
        and region.bbox[0] > 0
        and region.bbox[1] > 0
        and region.bbox[2] < height
        and region.bbox[3] < width
    ]


@pytest.fixture(autouse=True)
def grabcut_by_default(settings: Any, tmp_path: Any) -> Iterator[None]:
    """No checkpoint unless a test says otherwise; a fresh process-wide backend per test."""
    settings.LABELQC_SAM2_CHECKPOINT = ""
    settings.LABELQC_EMBEDDING_CACHE_DIR = tmp_path / "embeddings"
    backends.reset()
    yield
    backends.reset()


@pytest.fixture
def coins(project: Any, media_root: Any, make_member: Any) -> SimpleNamespace:
    """The coins photo as an item with human boxes around three coins (bbox grown by 2 px)."""
    image = data.coins()
    regions = coin_regions(image)[:3]
    item = upload_item(project, image, "coins.png")
    annotator = make_member(project, Role.ANNOTATOR, "boxer")
    car = project.classes.get(name="car")
    records = [
        {
            "item": item.pk,
            "label_class": car.pk,
            "geometry_type": "box",
            "source": "human",
            "author": annotator.pk,
            "geometry": {
                "x": r.bbox[1] - 2,
                "y": r.bbox[0] - 2,
                "w": r.bbox[3] - r.bbox[1] + 4,
                "h": r.bbox[2] - r.bbox[0] + 4,
            },
        }
        for r in regions
    ]
    boxes = annotations_bulk_create(
        actor=None, project_id=project.pk, records=records, role=Role.ADMIN, member=None
    )
    labels = measure.label(
        ndimage.binary_fill_holes(
            ndimage.binary_closing(image > filters.threshold_otsu(image), morphology.disk(2))
        )
    )
    references = {box.pk: labels == r.label for box, r in zip(boxes, regions, strict=True)}
    return SimpleNamespace(
        item=item, image=image, boxes=boxes, references=references, annotator=annotator, car=car
    )


class TinyModels:
    """Random-weight SAM 2.1 hiera-tiny at 256 px on one torch thread, each kind built on first
    use and kept for the session."""

    def __init__(self) -> None:
        self._built: dict[str, Any] = {}

    def _build(self, kind: str) -> Any:
        if kind not in self._built:
            torch = pytest.importorskip("torch")
            pytest.importorskip("sam2")
            from labelqc.prelabel import Sam2ModelSpec, build_model

            torch.set_num_threads(1)
            torch.manual_seed(0)
            spec = Sam2ModelSpec(
                size="t", allow_random_weights=True, device="cpu", hydra_overrides=SMALL
            )
            self._built[kind] = build_model(spec, kind)  # type: ignore[arg-type]
        return self._built[kind]

    @property
    def image(self) -> Any:
        return self._build("image")

    @property
    def video(self) -> Any:
        return self._build("video")


@pytest.fixture(scope="session")
def tiny_models() -> TinyModels:
    return TinyModels()


@pytest.fixture
def random_sam2(settings: Any, monkeypatch: Any, tiny_models: TinyModels) -> SimpleNamespace:
    """Inject the random-weight SAM 2 as the configured backend (tests only)."""
    from labelqc.prelabel import AutoMaskOptions, ReviewSettings, Sam2ImageBackend, Sam2VideoBackend

    settings.LABELQC_SAM2_CHECKPOINT = "/injected/random-weights.pt"
    settings.LABELQC_DEVICE = "cpu"
    settings.LABELQC_PRELABEL_ALLOW_RANDOM_WEIGHTS = True
    built: list[Any] = []

    def build(kind: str, config: Any) -> Any:
        if kind == "video":
            backend = Sam2VideoBackend(loaded=tiny_models.video, review=ReviewSettings())
        else:
            backend = Sam2ImageBackend(
                loaded=tiny_models.image,
                cache=backends.embedding_cache(config),
                auto_masks=AutoMaskOptions(points_per_side=4, points_per_batch=16),
            )
        built.append(backend)
        return backend

    monkeypatch.setattr(backends, "build_backend", build)
    backends.reset()
    return SimpleNamespace(models=tiny_models, built=built)


@pytest.fixture
def object_score_bias() -> Any:
    """Force SAM 2's object presence (+20) or absence (-20) on a model; restored afterwards."""
    import contextlib

    @contextlib.contextmanager
    def bias(model: Any, value: float) -> Iterator[None]:
        import torch

        layer = model.sam_mask_decoder.pred_obj_score_head.layers[-1]
        saved = layer.bias.detach().clone()
        with torch.no_grad():
            layer.bias.fill_(value)
        try:
            yield
        finally:
            with torch.no_grad():
                layer.bias.copy_(saved)

    return bias
