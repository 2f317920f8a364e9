"""Items cut from a photo say where their pixels come from, so the service can store the image."""

from __future__ import annotations

import numpy as np
from pycocotools import mask as mask_utils
from skimage import data

from labelqc.simulate import crop_items_from_images


def test_crop_origin_reproduces_the_item_pixels_under_its_masks():
    photo = data.coins()
    items, objects = crop_items_from_images(
        [photo], 4, np.random.default_rng(3), image_names=["coins"]
    )
    for row in items.itertuples(index=False):
        pixels = photo[
            row.crop_top : row.crop_top + row.height, row.crop_left : row.crop_left + row.width
        ]
        if row.flipped:
            pixels = pixels[:, ::-1]
        assert pixels.shape == (row.height, row.width)
        masks = objects[objects["item_id"] == row.item_id]["rle"]
        inside = np.zeros(pixels.shape, dtype=bool)
        for rle in masks:
            inside |= mask_utils.decode(
                {"size": rle["size"], "counts": rle["counts"].encode()}
            ).astype(bool)
        # Coins are bright on a dark background: the ground-truth masks must sit on bright pixels.
        assert pixels[inside].mean() > pixels[~inside].mean() + 30
