"""Fixtures for the active-learning service tests: a small project of real photo crops.

Ten items, 48 x 48 crops of two scikit-image photographs (five of the grey `coins`, five of
the orange `chelsea` cat), so the cheap image features separate them. Two items of each kind
carry a consensus label (car = coins, person = chelsea); the other six are unlabeled.
The random-weight SAM 2 injection comes from the pre-labeling tests' fixtures.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from django.utils import timezone
from skimage import data

from apps.annotations.models import Annotation
from tests.apps.prelabel.conftest import (  # noqa: F401  (fixtures)
    grabcut_by_default,
    random_sam2,
    tiny_models,
    upload_item,
)


def crops() -> list[tuple[str, np.ndarray]]:
    coins = np.repeat(data.coins()[:, :, None], 3, axis=2)
    cat = data.chelsea()
    out = [(f"coins{i}.png", coins[40 * i : 40 * i + 48, 30 : 30 + 48].copy()) for i in range(5)]
    out += [(f"cat{i}.png", cat[30 * i : 30 * i + 48, 150 : 150 + 48].copy()) for i in range(5)]
    return out


def label(item, label_class, source: str = "consensus") -> Annotation:
    now = timezone.now()
    return Annotation.objects.create(
        project=item.project,
        item=item,
        label_class=label_class,
        source=source,
        geometry_type="tag",
        created_at=now,
        updated_at=now,
    )


@pytest.fixture
def pool(project, media_root) -> SimpleNamespace:
    car, person = project.classes.order_by("id")
    items = [upload_item(project, array, name) for name, array in crops()]
    coins, cats = items[:5], items[5:]
    for item in coins[:2]:
        label(item, car)
    for item in cats[:2]:
        label(item, person)
    labeled = {item.pk for item in coins[:2] + cats[:2]}
    return SimpleNamespace(
        items=items, coins=coins, cats=cats, car=car, person=person, labeled=labeled
    )
