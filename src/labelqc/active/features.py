"""Item feature vectors for active learning, from pixels (no storage, no service).

"image_stats" (version `image_stats/v1`, 174 numbers, cheap: a few ms per image on CPU):
  the image is converted to RGB and resized to 64 x 64 (bilinear), then
  * colour histograms: 8 equal bins over 0..255 per R, G, B channel, each divided by the pixel
    count (24 numbers, each channel sums to 1);
  * colour moments: mean and standard deviation per channel, divided by 255 (6 numbers);
  * HOG of the grey image (skimage.feature.hog: 9 orientations, 16 x 16 pixel cells, 1 x 1
    cell blocks, L2-Hys block normalisation): 4 x 4 cells x 9 = 144 numbers.
"sam2_embedding" (256 numbers): a SAM 2 image embedding (C=256, 64 x 64 at 1024 px)
  average-pooled over space (`pool_embedding`); computing the embedding is the caller's job.

`standardize` z-scores a round's feature matrix per column before it reaches a strategy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from skimage.feature import hog

IMAGE_STATS = "image_stats"
SAM2_EMBEDDING = "sam2_embedding"
FEATURE_KINDS = (IMAGE_STATS, SAM2_EMBEDDING)
IMAGE_STATS_VERSION = "image_stats/v1"
IMAGE_STATS_SIDE = 64
IMAGE_STATS_DIM = 174


def image_stats(rgb: NDArray[np.uint8]) -> NDArray[np.float64]:
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


def pool_embedding(embedding: Any) -> NDArray[np.float64]:
    """A (C, H, W) image embedding averaged over space: one C-vector (float64)."""
    array = np.asarray(embedding, dtype=np.float64)
    if array.ndim != 3:
        raise ValueError(f"embedding: expected shape (C, H, W), got {array.shape}")
    return array.mean(axis=(1, 2))


def stack_features(vectors: list[NDArray[np.float64]], width: int) -> NDArray[np.float64]:
    """Rows stacked into an (n, d) matrix; (0, width) when there are none."""
    return np.vstack(vectors) if vectors else np.zeros((0, width))


def standardize(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
    """Z-scores per column over the round's items; constant columns become 0."""
    if matrix.shape[0] == 0:
        return matrix
    std = matrix.std(axis=0)
    return (matrix - matrix.mean(axis=0)) / np.where(std > 0, std, 1.0)
