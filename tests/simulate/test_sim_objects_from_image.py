"""Ground truth from real scikit-image photos: in-bounds boxes, RLE agreeing with boxes."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.data
from pycocotools import mask as mask_utils

from labelqc.simulate import CLASS_NAMES, classify_shapes, objects_from_image
from labelqc.simulate.classes import ELONGATED, IRREGULAR, OVAL, ROUND

PHOTOS = ("coins", "coffee", "chelsea", "astronaut", "horse", "camera", "page", "text")


def _photo(name: str) -> np.ndarray:
    return getattr(skimage.data, name)()


@pytest.mark.parametrize("name", PHOTOS)
def test_boxes_in_bounds_and_rle_matches_box(name: str) -> None:
    image = _photo(name)
    objects = objects_from_image(image, max_objects=15, item_id=4)
    height, width = image.shape[:2]
    assert 3 <= len(objects) <= 15
    assert (objects["item_id"] == 4).all() and (objects["annotator_id"] == -1).all()
    assert (objects["x"] >= 0).all() and (objects["y"] >= 0).all()
    assert (objects["x"] + objects["w"] <= width).all()
    assert (objects["y"] + objects["h"] <= height).all()
    assert (objects["w"] > 0).all() and (objects["h"] > 0).all()
    rles = [{"size": r["size"], "counts": r["counts"].encode()} for r in objects["rle"]]
    assert all(r["size"] == [height, width] for r in objects["rle"])
    np.testing.assert_allclose(mask_utils.toBbox(rles), objects[["x", "y", "w", "h"]].to_numpy())
    np.testing.assert_allclose(mask_utils.area(rles), objects["area"].to_numpy())
    assert objects["class_id"].isin(list(CLASS_NAMES)).all()


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_masks_do_not_overlap_and_are_largest_first() -> None:
    objects = objects_from_image(_photo("coins"), max_objects=20)
    rles = [{"size": r["size"], "counts": r["counts"].encode()} for r in objects["rle"]]
    masks = mask_utils.decode(rles)
    assert masks.sum(axis=2).max() == 1
    assert np.all(np.diff(objects["area"].to_numpy()) <= 0)


def test_coins_are_mostly_round() -> None:
    objects = objects_from_image(_photo("coins"), max_objects=20)
    assert (objects["class_id"] == ROUND).mean() > 0.7


def test_same_photo_gives_same_objects() -> None:
    first = objects_from_image(_photo("chelsea"))
    second = objects_from_image(_photo("chelsea"))
    assert first.equals(second)


def test_truncated_means_touching_the_border() -> None:
    image = _photo("coffee")
    objects = objects_from_image(image)
    height, width = image.shape[:2]
    touching = (
        (objects["x"] == 0)
        | (objects["y"] == 0)
        | (objects["x"] + objects["w"] == width)
        | (objects["y"] + objects["h"] == height)
    )
    assert (objects["truncated"] == touching).all()


def test_flat_photo_falls_back_to_superpixels() -> None:
    # A smooth gradient has no Otsu blobs of object size; superpixels still give objects.
    gradient = np.tile(np.linspace(0, 255, 200), (150, 1)).astype(np.uint8)
    objects = objects_from_image(gradient, max_objects=6)
    assert 1 <= len(objects) <= 6


def test_class_rule() -> None:
    classes = classify_shapes(np.array([0.2, 0.7, 0.95, 0.2]), np.array([0.95, 0.95, 0.95, 0.5]))
    assert classes.tolist() == [ROUND, OVAL, ELONGATED, IRREGULAR]


@pytest.mark.parametrize("bad", [np.zeros((4, 4)), np.zeros((10, 10, 2)), np.zeros((2, 3, 4, 5))])
def test_bad_images_raise(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="image"):
        objects_from_image(bad)


def test_bad_max_objects_raises() -> None:
    with pytest.raises(ValueError, match="max_objects"):
        objects_from_image(_photo("coins"), max_objects=0)
