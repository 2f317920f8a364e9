"""GrabCut gives real masks on a real photograph: scikit-image's coins, against Otsu coin regions.

Reference masks: Otsu threshold of data.coins(), closed with a radius-2 disc and hole-filled;
each connected region of 500-5000 pixels not touching the border is one coin (22 coins; the
one large region is several touching coins and is left out). Prompt: the region's bounding box
grown by 2 pixels. Bound: every coin IoU >= 0.90 and median >= 0.95 (measured: min 0.948,
median 0.985), while the box itself as a mask scores about 0.65.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from skimage import data, filters, measure, morphology

from labelqc.prelabel import GrabCutBackend, Prompt, PromptError
from labelqc.prelabel.grabcut import BOX_TOO_SMALL, NO_CONFIDENCE
from labelqc.prelabel.masks import decode_rle


@pytest.fixture(scope="module")
def coins() -> tuple[np.ndarray, list[np.ndarray], list[Prompt]]:
    image = data.coins()
    foreground = image > filters.threshold_otsu(image)
    foreground = ndimage.binary_fill_holes(ndimage.binary_closing(foreground, morphology.disk(2)))
    labels = measure.label(foreground)
    height, width = image.shape
    regions = [
        region for region in measure.regionprops(labels)
        if 500 <= region.area <= 5000
        and region.bbox[0] > 0 and region.bbox[1] > 0
        and region.bbox[2] < height and region.bbox[3] < width
    ]  # fmt: skip
    masks = [labels == region.label for region in regions]
    prompts = [
        Prompt(
            box_xywh=(
                r.bbox[1] - 2,
                r.bbox[0] - 2,
                r.bbox[3] - r.bbox[1] + 4,
                r.bbox[2] - r.bbox[0] + 4,
            ),
            class_id=1,
        )
        for r in regions
    ]
    return image, masks, prompts


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def test_grabcut_segments_coins(coins: tuple[np.ndarray, list[np.ndarray], list[Prompt]]) -> None:
    image, references, prompts = coins
    assert len(prompts) == 22
    results = GrabCutBackend().predict(image, prompts)
    ious = [_iou(decode_rle(r.rle), ref) for r, ref in zip(results, references, strict=True)]
    assert min(ious) >= 0.90 and np.median(ious) >= 0.95
    box_ious = []
    for prompt, reference in zip(prompts, references, strict=True):
        x, y, w, h = (int(v) for v in prompt.box_xywh)  # type: ignore[union-attr]
        box_mask = np.zeros_like(reference)
        box_mask[y : y + h, x : x + w] = True
        box_ious.append(_iou(box_mask, reference))
    assert np.median(ious) > np.median(box_ious) + 0.2  # far better than the box alone
    first = results[0]
    assert first.backend == "grabcut" and first.model_id.startswith("opencv-grabcut@")
    assert first.class_id == 1 and first.prompt_index == 0
    assert first.predicted_iou is None and first.score is None
    assert first.uncertainty.combined is None and first.uncertainty.reason == NO_CONFIDENCE
    assert first.area == float(decode_rle(first.rle).sum())


def test_results_are_deterministic(
    coins: tuple[np.ndarray, list[np.ndarray], list[Prompt]],
) -> None:
    image, _, prompts = coins
    backend = GrabCutBackend()
    assert [r.rle for r in backend.predict(image, prompts[:3])] == [
        r.rle for r in backend.predict(image, prompts[:3])
    ]


def test_negative_click_removes_a_region(
    coins: tuple[np.ndarray, list[np.ndarray], list[Prompt]],
) -> None:
    image, references, prompts = coins
    reference = references[0]
    box = prompts[0].box_xywh
    rows, cols = np.nonzero(reference)
    center = (float(cols.mean()), float(rows.mean()))
    plain = decode_rle(GrabCutBackend().predict(image, [prompts[0]])[0].rle)
    clicked = Prompt(box_xywh=box, points_xy=(center,), point_labels=(0,))
    with_click = decode_rle(GrabCutBackend(seed_radius=6).predict(image, [clicked])[0].rle)
    cy, cx = round(center[1]), round(center[0])
    assert plain[cy, cx] and not with_click[cy, cx]


def test_needs_a_box_and_handles_tiny_boxes() -> None:
    image = data.coins()
    with pytest.raises(PromptError, match=r"prompts\[0\].box_xywh"):
        GrabCutBackend().predict(image, [Prompt(points_xy=((10, 10),), point_labels=(1,))])
    with pytest.raises(PromptError, match="at least one box"):
        GrabCutBackend().predict(image, [])
    tiny = GrabCutBackend().predict(image, [Prompt(box_xywh=(10, 10, 4, 4))])[0]
    assert tiny.area == 16 and tiny.uncertainty.reason == BOX_TOO_SMALL
