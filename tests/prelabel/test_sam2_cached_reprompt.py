"""Re-prompts answer from the embedding cache, and a cache hit equals the uncached result.

How results are compared: the cache stores features in float16, so a hit cannot be bit-equal to
a backend that never rounded them. We check (1) the stored features equal the float32 ones
within float16 rounding (relative 1e-3, above float16's 2**-11 ~ 4.9e-4), (2) the answer from
a hit equals the uncached answer within that tolerance: predicted IoU within 1e-2 and mask IoU
above 0.99, and (3) a miss and a later hit of the same cache are bit-identical (a miss also
answers from the rounded features, so results never depend on cache state).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from labelqc.prelabel import EmbeddingCache, Prompt, image_sha256
from labelqc.prelabel.masks import decode_rle

pytestmark = pytest.mark.sam2

PROMPTS = [
    Prompt(box_xywh=(120, 40, 200, 220)),
    Prompt(points_xy=((200, 120), (330, 250)), point_labels=(1, 0)),
]


def _mask_iou(a: dict, b: dict) -> float:
    mask_a, mask_b = decode_rle(a), decode_rle(b)
    union = (mask_a | mask_b).sum()
    return 1.0 if union == 0 else float((mask_a & mask_b).sum() / union)


def test_cache_hit_equals_uncached(
    tiny_image_model: Any, photo: np.ndarray, tmp_path: Path
) -> None:
    from labelqc.prelabel import Sam2ImageBackend

    uncached = Sam2ImageBackend(loaded=tiny_image_model)
    cached = Sam2ImageBackend(loaded=tiny_image_model, cache=EmbeddingCache(tmp_path, 10**8))

    reference = uncached.predict(photo, PROMPTS)
    on_miss = cached.predict(photo, PROMPTS)
    cached.forget_current_image()  # next call must restore from disk
    on_hit = cached.predict(photo, PROMPTS)
    assert (cached.stats["embeddings_computed"], cached.stats["cache_hits"]) == (1, 1)

    for ref, miss, hit in zip(reference, on_miss, on_hit, strict=True):
        assert miss.rle == hit.rle and miss.predicted_iou == hit.predicted_iou
        assert hit.predicted_iou == pytest.approx(ref.predicted_iou, abs=1e-2)
        assert _mask_iou(hit.rle, ref.rle) > 0.99

    stored = cached.cache.get(image_sha256(photo), cached.model_id)  # type: ignore[union-attr]
    fresh = uncached._compute([photo])[0]
    assert stored is not None and stored.image_embed.dtype == np.float16
    assert stored.orig_hw == photo.shape[:2]
    for got, want in zip(
        (stored.image_embed, *stored.high_res_feats),
        (fresh.image_embed, *fresh.high_res_feats),
        strict=True,
    ):
        assert got.shape == want.shape
        np.testing.assert_allclose(got.astype(np.float32), want, rtol=1e-3, atol=1e-4)


def test_reprompts_reuse_the_cached_embedding(
    tiny_image_model: Any, photo: np.ndarray, tmp_path: Path
) -> None:
    from labelqc.prelabel import Sam2ImageBackend

    cache = EmbeddingCache(tmp_path, 10**8)
    first = Sam2ImageBackend(loaded=tiny_image_model, cache=cache)
    first.predict(photo, PROMPTS[:1])
    # a new worker process (new backend) on the same cache: clicks never re-run the encoder
    worker = Sam2ImageBackend(loaded=tiny_image_model, cache=cache)
    clicks = [
        [Prompt(points_xy=((200, 120),), point_labels=(1,))],
        [Prompt(points_xy=((200, 120), (150, 80)), point_labels=(1, 0))],
        [Prompt(box_xywh=(150, 60, 150, 180), points_xy=((200, 120),), point_labels=(1,))],
    ]
    answers = [worker.predict(photo, prompts)[0] for prompts in clicks]
    assert (worker.stats["embeddings_computed"], worker.stats["cache_hits"]) == (0, 1)
    assert first.stats["embeddings_computed"] == 1
    assert all(a.model_id == first.model_id for a in answers)
    # a different model id is a different cache key
    assert cache.get(image_sha256(photo), first.model_id + "-other") is None
