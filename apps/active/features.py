"""Item feature vectors for active learning: load each item's stored image and hand the pixels
to the pure feature code in `labelqc.active.features` (which documents the vectors).

"image_stats" is computed on CPU per item. "sam2_embedding" takes the SAM 2 image embedding from
the embedding cache (computed and cached on a miss) and average-pools it over space; it needs a
SAM 2 checkpoint, and the round then runs on the `gpu` queue.

Items whose image cannot be read are left out of the round (counted by reason).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from apps.items.models import Item
from apps.prelabel.backends import using
from apps.prelabel.images import ItemImageError, load_item_rgb
from labelqc.active.features import (
    FEATURE_KINDS,
    IMAGE_STATS,
    IMAGE_STATS_DIM,
    image_stats,
    pool_embedding,
    stack_features,
)
from labelqc.prelabel import image_sha256


def sam2_pooled(rgbs: Sequence[np.ndarray], digests: Sequence[str]) -> list[np.ndarray]:
    """Space-averaged SAM 2 image embeddings (cached ones are reused, misses computed)."""
    with using("image") as backend:
        if not hasattr(backend, "embeddings"):
            raise ValueError("features: sam2_embedding needs the SAM 2 backend (a checkpoint)")
        embeddings = backend.embeddings(list(rgbs), list(digests))
    return [pool_embedding(e.image_embed) for e in embeddings]


def item_features(
    items: Sequence[Item], kind: str, chunk: int = 8
) -> tuple[list[int], np.ndarray, dict[str, int]]:
    """(ids of the items with features, (n, d) matrix in that order, {reason: count} left out).

    Storage errors (OSError) propagate: the round's task retries them.
    """
    if kind not in FEATURE_KINDS:
        raise ValueError(f"features: expected one of {FEATURE_KINDS}, got {kind!r}")
    kept: list[int] = []
    vectors: list[np.ndarray] = []
    excluded: Counter[str] = Counter()
    pending: list[tuple[Item, np.ndarray]] = []

    def flush() -> None:
        if not pending:
            return
        digests = [item.sha256 or image_sha256(rgb) for item, rgb in pending]
        pooled = sam2_pooled([rgb for _, rgb in pending], digests)
        kept.extend(item.pk for item, _ in pending)
        vectors.extend(pooled)
        pending.clear()

    for item in items:
        if not item.file:
            excluded["no stored image"] += 1
            continue
        try:
            rgb = load_item_rgb(item)
        except ItemImageError:
            excluded["unreadable image"] += 1
            continue
        if kind == IMAGE_STATS:
            kept.append(item.pk)
            vectors.append(image_stats(rgb))
        else:
            pending.append((item, rgb))
            if len(pending) >= chunk:
                flush()
    flush()
    width = IMAGE_STATS_DIM if kind == IMAGE_STATS else (vectors[0].size if vectors else 0)
    return kept, stack_features(vectors, width), dict(excluded)
