"""Synthetic scenes: in-bounds boxes, densities from sparse to dense, lognormal sizes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelqc.simulate import CLASS_NAMES, SceneSpec, synthetic_objects


@settings(max_examples=30, deadline=None)
@given(n_items=st.integers(0, 200), seed=st.integers(0, 2**32 - 1))
def test_boxes_are_inside_their_items(n_items: int, seed: int) -> None:
    truth = synthetic_objects(n_items, np.random.default_rng(seed))
    items = truth.items.set_index("item_id")
    objects = truth.objects
    assert len(items) == n_items
    width = items.loc[objects["item_id"], "width"].to_numpy()
    height = items.loc[objects["item_id"], "height"].to_numpy()
    assert np.all(objects["x"] >= 0) and np.all(objects["y"] >= 0)
    assert np.all(objects["x"] + objects["w"] <= width + 1e-9)
    assert np.all(objects["y"] + objects["h"] <= height + 1e-9)
    assert np.all(objects["w"] > 0) and np.all(objects["h"] > 0)
    assert np.all(np.diff(objects["item_id"].to_numpy()) >= 0)
    assert np.array_equal(objects["ann_id"], np.arange(1, len(objects) + 1))
    np.testing.assert_allclose(objects["area"], objects["w"] * objects["h"])


def test_scene_densities_span_sparse_to_dense() -> None:
    truth = synthetic_objects(5000, np.random.default_rng(1))
    counts = truth.objects.groupby("item_id").size().reindex(truth.items["item_id"], fill_value=0)
    density = truth.items["scene_tags"].str[0].to_numpy()
    assert counts.min() >= 1 and counts.max() == 40
    assert counts[density == "sparse"].between(1, 3).all()
    assert counts[density == "medium"].between(4, 12).all()
    assert counts[density == "dense"].between(13, 40).all()
    shares = truth.items["scene_tags"].str[0].value_counts(normalize=True)
    assert abs(shares["medium"] - 0.5) < 0.03


def test_sizes_are_lognormal_around_the_median() -> None:
    # Huge images: border clipping, which would bias sizes down, almost never happens.
    scene = SceneSpec(image_sizes=((20000, 20000),))
    truth = synthetic_objects(4000, np.random.default_rng(2), scene)
    log_side = np.log(np.sqrt(truth.objects["area"]))
    assert abs(np.exp(np.median(log_side)) - scene.size_median_px) < 0.08 * scene.size_median_px
    assert abs(log_side.std() - scene.size_sigma) < 0.1
    assert set(truth.objects["class_id"]) == set(CLASS_NAMES)


def test_truncated_boxes_touch_the_border() -> None:
    truth = synthetic_objects(2000, np.random.default_rng(3))
    objects = truth.objects.merge(truth.items[["item_id", "width", "height"]], on="item_id")
    touching = (
        (objects["x"] <= 0)
        | (objects["y"] <= 0)
        | (objects["x"] + objects["w"] >= objects["width"] - 1e-9)
        | (objects["y"] + objects["h"] >= objects["height"] - 1e-9)
    )
    assert objects.loc[objects["truncated"], :].pipe(lambda f: touching[f.index]).all()
    assert 0.02 < objects["truncated"].mean() < 0.5


def test_bad_scene_specs_raise() -> None:
    with pytest.raises(ValueError, match="density_ranges"):
        SceneSpec(density_ranges=((0, 3), (4, 12), (13, 40)))
    with pytest.raises(ValueError, match="class_weights"):
        SceneSpec(class_weights=(1.0, 1.0))
    with pytest.raises(ValueError, match="n_items"):
        synthetic_objects(-1, np.random.default_rng(0))
