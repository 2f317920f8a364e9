"""The pure feature code behind active-learning rounds (labelqc.active.features)."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from labelqc.active.features import (
    IMAGE_STATS_DIM,
    image_stats,
    pool_embedding,
    stack_features,
    standardize,
)


def test_image_stats_vector() -> None:
    cat, coins = data.chelsea(), np.repeat(data.coins()[:, :, None], 3, axis=2)
    vector = image_stats(cat)
    assert vector.shape == (IMAGE_STATS_DIM,) and np.isfinite(vector).all()
    np.testing.assert_allclose(vector[:24].reshape(3, 8).sum(axis=1), 1.0)  # histograms
    assert np.array_equal(vector, image_stats(cat.copy()))  # deterministic
    other = image_stats(coins)
    grey = other[:24].reshape(3, 8)
    np.testing.assert_allclose(grey[0], grey[1])  # a grey image: equal channel histograms
    assert np.linalg.norm(vector - other) > 0.5


def test_image_stats_moments_of_a_flat_image() -> None:
    flat = np.full((10, 30, 3), (255, 0, 51), dtype=np.uint8)
    vector = image_stats(flat)
    np.testing.assert_allclose(vector[24:27], [1.0, 0.0, 0.2])  # channel means / 255
    np.testing.assert_allclose(vector[27:30], 0.0, atol=1e-12)  # no spread
    np.testing.assert_allclose(vector[30:], 0.0, atol=1e-12)  # no gradients


def test_pool_embedding_averages_over_space() -> None:
    embedding = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_allclose(pool_embedding(embedding), [5.5, 17.5])
    with pytest.raises(ValueError, match="embedding"):
        pool_embedding(np.zeros((3, 4)))


def test_stack_and_standardize() -> None:
    assert stack_features([], 7).shape == (0, 7)
    matrix = stack_features([np.array([1.0, 5.0]), np.array([3.0, 5.0])], 2)
    np.testing.assert_allclose(standardize(matrix), [[-1.0, 0.0], [1.0, 0.0]])
    assert standardize(np.zeros((0, 3))).shape == (0, 3)
