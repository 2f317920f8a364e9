"""SAM 2 image pre-labels (random-weight hiera-tiny at 256 px on CPU): shapes, batching, auto mode.

Nothing here judges mask quality: the weights are random.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from labelqc.prelabel import PrelabelBackend, Prompt
from labelqc.prelabel.masks import decode_rle

pytestmark = pytest.mark.sam2

PROMPTS = (
    Prompt(box_xywh=(120, 40, 200, 220), class_id=4),
    Prompt(box_xywh=(10, 10, 80, 60), points_xy=((40, 30), (80, 60)), point_labels=(1, 0)),
    Prompt(points_xy=((300, 150),), point_labels=(1,)),
)


@pytest.fixture(scope="module")
def backend(tiny_image_model: Any) -> Any:
    from labelqc.prelabel import Sam2ImageBackend
    from labelqc.prelabel.sam2_image import AutoMaskOptions

    # thresholds at 0: with random weights nothing passes the package defaults
    options = AutoMaskOptions(points_per_side=4, pred_iou_thresh=0.0, stability_score_thresh=0.0)
    return Sam2ImageBackend(loaded=tiny_image_model, auto_masks=options)


class DecoderCalls:
    """Counts calls of the mask decoder and records how many prompts each carried."""

    def __init__(self, model: Any) -> None:
        self.batch_sizes: list[int] = []
        self._handle = model.sam_mask_decoder.register_forward_hook(
            lambda module, inputs, output: self.batch_sizes.append(int(output[0].shape[0]))
        )

    def close(self) -> None:
        self._handle.remove()


def test_all_prompts_of_an_image_go_in_one_decoder_call(backend: Any, photo: np.ndarray) -> None:
    calls = DecoderCalls(backend.loaded.model)
    try:
        results = backend.predict(photo, PROMPTS)
    finally:
        calls.close()
    assert calls.batch_sizes == [len(PROMPTS)]
    assert isinstance(backend, PrelabelBackend)
    assert [r.prompt_index for r in results] == [0, 1, 2]
    assert [r.class_id for r in results] == [4, None, None]
    for result in results:
        mask = decode_rle(result.rle)
        assert mask.shape == photo.shape[:2] and mask.dtype == bool
        assert result.rle["size"] == list(photo.shape[:2]) and isinstance(result.rle["counts"], str)
        assert result.area == float(mask.sum())
        assert len(result.bbox_xywh) == 4 and all(isinstance(v, float) for v in result.bbox_xywh)
        assert 0.0 <= result.predicted_iou <= 1.0  # type: ignore[operator]
        assert result.predicted_iou == max(result.extra["candidate_ious"])
        assert result.score == pytest.approx(1.0 - result.uncertainty.combined)  # type: ignore[operator]
        assert result.backend == "sam2" and result.model_id == backend.model_id
        assert result.extra["random_weights"] is True  # never to be shown as a pre-label


def test_box_only_prompts_use_the_box_array(backend: Any, photo: np.ndarray) -> None:
    from labelqc.prelabel.sam2_decode import encode_prompts

    boxes = [Prompt(box_xywh=(0, 0, 50, 50)), Prompt(box_xywh=(100, 100, 60, 40))]
    encoded = encode_prompts(boxes)
    assert encoded.boxes_xyxy is not None and encoded.boxes_xyxy.shape == (2, 4)
    assert encoded.boxes_xyxy.dtype == np.float32
    mixed = encode_prompts(PROMPTS)
    assert mixed.point_coords is not None and mixed.point_coords.shape == (3, 4, 2)
    assert mixed.point_labels.tolist() == [[2, 3, -1, -1], [2, 3, 1, 0], [1, -1, -1, -1]]  # type: ignore[union-attr]
    # the box as a (B, 4) array and as corner points with labels 2/3 give the same masks
    as_boxes = backend.predict(photo, boxes)
    backend_points = encode_prompts(boxes, boxes_as_points=True)
    assert backend_points.point_labels.tolist() == [[2, 3], [2, 3]]  # type: ignore[union-attr]
    as_points = backend.predict_many([photo], [boxes])[0]
    assert [r.rle for r in as_boxes] == [r.rle for r in as_points]


def test_batch_path_matches_single_images(backend: Any, photo: np.ndarray) -> None:
    second = np.ascontiguousarray(photo[:, :360])
    single = [backend.predict(photo, PROMPTS[:2]), backend.predict(second, PROMPTS[2:])]
    backend.batch_size = 2  # force set_image_batch / predict_batch on CPU
    try:
        batched = backend.predict_many([photo, second], [PROMPTS[:2], PROMPTS[2:]])
    finally:
        backend.batch_size = 1
    for one, many in zip(single, batched, strict=True):
        assert len(one) == len(many)
        for a, b in zip(one, many, strict=True):
            assert a.predicted_iou == pytest.approx(b.predicted_iou, abs=1e-4)
            mask_a, mask_b = decode_rle(a.rle), decode_rle(b.rle)
            assert (mask_a & mask_b).sum() / max((mask_a | mask_b).sum(), 1) > 0.99


def test_item_without_prompts_gets_automatic_masks(backend: Any, photo: np.ndarray) -> None:
    unseen = np.ascontiguousarray(photo[::-1])
    computed_before = backend.stats["embeddings_computed"]
    results = backend.predict(unseen, [])
    # the generator reuses the embedding computed for the item: one encoder run, not two
    assert backend.stats["embeddings_computed"] == computed_before + 1
    assert results, "thresholds at 0 must let at least one automatic mask through"
    for result in results:
        assert result.prompt_index is None and result.class_id is None
        assert decode_rle(result.rle).shape == unseen.shape[:2]
        assert result.uncertainty.multimask_disagreement is None
        assert 0.0 <= result.uncertainty.combined <= 1.0  # type: ignore[operator]


def test_grey_images_and_bad_prompts(backend: Any, photo: np.ndarray) -> None:
    from labelqc.prelabel import PromptError

    grey = np.ascontiguousarray(photo[:, :, 1])
    assert len(backend.predict(grey, PROMPTS[:1])) == 1
    with pytest.raises(PromptError, match=r"prompts\[0\]"):
        backend.predict(photo, [Prompt(box_xywh=(1000, 1000, 5, 5))])
