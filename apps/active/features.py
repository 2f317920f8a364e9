"""Item feature vectors for active learning, computed from the item's stored image.

"image_stats" (version `image_stats/v1`, 174 numbers, cheap: a few ms per image on CPU):
  the image is converted to RGB and resized to 64 x 64 (bilinear), then
  * colour histograms: 8 equal bins over 0..255 per R, G, B channel, each divided by the pixel
    count (24 numbers, each channel sums to 1);
  * colour moments: mean and standard deviation per channel, divided by 255 (6 numbers);
  * HOG of the grey image (skimage.feature.hog: 9 orientations, 16 x 16 pixel cells, 1 x 1
    cell blocks, L2-Hys block normalisation): 4 x 4 cells x 9 = 144 numbers.
"sam2_embedding" (256 numbers): the SAM 2 image embedding (C=256, 64 x 64 at 1024 px) taken from
  the embedding cache (computed and cached on a miss), average-pooled over space. Needs a SAM 2
  checkpoint; the round then runs on the `gpu` queue.

Items whose image cannot be read are left out of the round (counted by reason).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from PIL import Image
from skimage.feature import hog

from apps.items.models import Item
from apps.prelabel.backends import using
from apps.prelabel.images import ItemImageError, load_item_rgb
from labelqc.prelabel import image_sha256

IMAGE_STATS = "image_stats"
SAM2_EMBEDDING = "sam2_embedding"
FEATURE_KINDS = (IMAGE_STATS, SAM2_EMBEDDING)
IMAGE_STATS_VERSION = "image_stats/v1"
IMAGE_STATS_SIDE = 64
IMAGE_STATS_DIM = 174


def image_stats(rgb: np.ndarray) -> np.ndarray:
    """The `image_stats/v1` vector of an H x W x 3 uint8 image (see the module docstring)."""
    small = np.asarray(
        Image.fromarray(rgb).resize((IMAGE_STATS_SIDE, IMAGE_STATS_SIDE), Image.BILINEAR),
        dtype=np.float64,
    )
    pixels = small.reshape(-1, 3)
    histograms = [
        np.histogram(pixels[:, channel], bins=8, range=(0, 256))[0] / pixels.shape[0]
        for channel in range(3)
    ]
    moments = np.concatenate([pixels.mean(axis=0), pixels.std(axis=0)]) / 255.0
    grey = small @ np.array([0.299, 0.587, 0.114])
    gradients = hog(
        grey,
        orientations=9,
        pixels_per_cell=(16, 16),
        cells_per_block=(1, 1),
        block_norm="L2-Hys",
        feature_vector=True,
    )
    return np.concatenate([*histograms, moments, gradients]).astype(np.float64)


def sam2_pooled(rgbs: Sequence[np.ndarray], digests: Sequence[str]) -> list[np.ndarray]:
    """Space-averaged SAM 2 image embeddings (cached ones are reused, misses computed)."""
    with using("image") as backend:
        if not hasattr(backend, "embeddings"):
            raise ValueError("features: sam2_embedding needs the SAM 2 backend (a checkpoint)")
        embeddings = backend.embeddings(list(rgbs), list(digests))
    return [np.asarray(e.image_embed, dtype=np.float64).mean(axis=(1, 2)) for e in embeddings]


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
    matrix = np.vstack(vectors) if vectors else np.zeros((0, width))
    return kept, matrix, dict(excluded)


def standardize(matrix: np.ndarray) -> np.ndarray:
    """Z-scores per column over the round's items; constant columns become 0."""
    if matrix.shape[0] == 0:
        return matrix
    std = matrix.std(axis=0)
    return (matrix - matrix.mean(axis=0)) / np.where(std > 0, std, 1.0)
