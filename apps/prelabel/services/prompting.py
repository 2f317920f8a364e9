"""Interactive re-prompting: clicks and/or a box on one item -> one mask, answered fast.

SAM 2 answers from the embedding cache (keyed by the item's sha256 + the model id): the image
encoder runs on the first prompt of an image only (a miss), later prompts on that image, by any
worker sharing the cache directory, run the prompt encoder and mask decoder alone. The worker's
backend also keeps the last image's features in memory, so repeated clicks on the item under
review skip even the cache read. GrabCut needs no cache (and needs a box).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from apps.common.exceptions import ServiceValidationError
from apps.items.models import Item
from apps.prelabel.backends import configured_backend_name, using
from apps.prelabel.conf import GRABCUT
from apps.prelabel.images import ItemImageError, load_item_rgb
from apps.prelabel.services.records import unit_or_none
from labelqc.prelabel import PrelabelError, Prompt

STATS = ("embeddings_computed", "cache_hits", "memory_hits")


def _finite(values: Sequence[Any]) -> bool:
    return all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in values
    )


def prompt_from_request(
    *,
    points: Sequence[Sequence[float]],
    labels: Sequence[int],
    box: Sequence[float] | None,
    width: int,
    height: int,
    prefix: str = "",
    class_id: int | None = None,
) -> Prompt:
    """A Prompt from request fields, checked against a `width` x `height` image.

    Raises ServiceValidationError naming the field (`prefix` + points / labels / box).
    """
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(prefix + field, []).append(message)

    if len(points) != len(labels):
        fail("labels", f"{len(labels)} labels for {len(points)} points: give one label per point")
    if any(label not in (0, 1) or isinstance(label, bool) for label in labels):
        fail("labels", "each label must be 1 (on the object) or 0 (background)")
    for index, point in enumerate(points):
        if len(point) != 2 or not _finite(point):
            fail("points", f"point {index} must be [x, y] with finite numbers")
        elif not (0 <= point[0] <= width and 0 <= point[1] <= height):
            fail("points", f"point {index} {list(point)} lies outside the {width}x{height} image")
    if box is not None:
        if len(box) != 4 or not _finite(box):
            fail("box", "must be [x, y, w, h] with finite numbers")
        elif box[2] <= 0 or box[3] <= 0:
            fail("box", "width and height must be > 0")
        elif box[0] < 0 or box[1] < 0 or box[0] + box[2] > width or box[1] + box[3] > height:
            fail("box", f"{list(box)} does not lie inside the {width}x{height} image")
    if not points and box is None:
        fail("points", "give at least one point or a box")
    if errors:
        raise ServiceValidationError(errors)
    return Prompt(
        box_xywh=None if box is None else tuple(float(v) for v in box),  # type: ignore[arg-type]
        points_xy=tuple((float(x), float(y)) for x, y in points),
        point_labels=tuple(int(label) for label in labels),
        class_id=class_id,
    )


def _embedding_source(before: dict[str, int], after: dict[str, int]) -> str:
    if after.get("embeddings_computed", 0) > before.get("embeddings_computed", 0):
        return "computed"
    if after.get("cache_hits", 0) > before.get("cache_hits", 0):
        return "cache"
    return "memory"


def prompt_item(
    *,
    item: Item,
    points: Sequence[Sequence[float]],
    labels: Sequence[int],
    box: Sequence[float] | None,
) -> dict[str, Any]:
    """The mask for one prompt on `item`, with its score, uncertainty and the backend used."""
    prompt = prompt_from_request(
        points=points, labels=labels, box=box, width=item.width, height=item.height
    )
    if box is None and configured_backend_name() == GRABCUT:
        raise ServiceValidationError(
            "the GrabCut backend (no SAM 2 checkpoint configured) needs a box", "box"
        )
    try:
        rgb = load_item_rgb(item)
    except ItemImageError as error:
        raise ServiceValidationError(str(error), "item") from error
    with using("image") as backend:
        stats = getattr(backend, "stats", None)
        before = dict(stats) if stats is not None else None
        try:
            result = backend.predict(rgb, [prompt], image_sha256=item.sha256 or None)[0]
        except PrelabelError as error:
            raise ServiceValidationError(str(error), "points") from error
        source = None if before is None else _embedding_source(before, dict(backend.stats))
    return {
        "rle": result.rle,
        "bbox": [float(v) for v in result.bbox_xywh],
        "area": float(result.area),
        "score": unit_or_none(result.score),
        "uncertainty": unit_or_none(result.uncertainty.combined),
        "uncertainty_reason": result.uncertainty.reason,
        "predicted_iou": unit_or_none(result.predicted_iou),
        "backend": result.backend,
        "model_id": result.model_id,
        "embedding": source,
    }
