"""Inter-annotator agreement per class and per scene type, with bootstrap intervals.

Same definition as the quality report's `agreement` section (labelqc.report.iaa): units are
objects that two or more annotators drew (boxes matched across annotators at the report's
`iaa_iou_threshold`), values are the classes they gave; nominal Krippendorff's alpha overall
and, per class, of the one-vs-rest collapse. The page adds percentile bootstrap intervals
(items resampled) and the split by scene type, which the stored report does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labelqc.agreement.bootstrap import alpha_result_from_codes
from labelqc.report.iaa import unit_labels

ALL = "all"
N_BOOT = 200


@dataclass(frozen=True)
class Units:
    """Pairable annotations: their unit (object), the unit's item, class and scene tags."""

    unit: np.ndarray  # per row: unit code 0..n_units-1
    class_id: np.ndarray
    unit_item: np.ndarray  # per unit: item code (the resampled group)
    unit_scenes: list[tuple[str, ...]]
    n_units: int
    n_coders: int


def pairable_units(
    annotations: pd.DataFrame, items: pd.DataFrame | None, iou_threshold: float
) -> Units | None:
    """The pairable units of `annotations`; `items` (item_id, scene_tags) tags them, if given."""
    if annotations.empty:
        return None
    frame = annotations.reset_index(drop=True)
    labels = unit_labels(frame, iou_threshold)
    keep = labels >= 0
    if not keep.any():
        return None
    unit, unit_ids = pd.factorize(labels[keep])
    rows = frame.loc[keep]
    first_row = pd.Series(np.arange(keep.sum())).groupby(unit).first().to_numpy()
    unit_item_ids = rows["item_id"].to_numpy()[first_row]
    item_code, _ = pd.factorize(unit_item_ids)
    tags = {} if items is None else dict(zip(items["item_id"], items["scene_tags"], strict=False))
    return Units(
        unit=np.asarray(unit, dtype=np.int64),
        class_id=rows["class_id"].to_numpy(dtype=np.int64),
        unit_item=np.asarray(item_code, dtype=np.int64),
        unit_scenes=[tuple(tags.get(i) or ()) for i in unit_item_ids],
        n_units=len(unit_ids),
        n_coders=int(rows["annotator_id"].nunique()),
    )


def _alpha(
    units: Units, unit_mask: np.ndarray, class_id: int | None, seed: int, n_boot: int = N_BOOT
) -> dict:
    """alpha over the units in `unit_mask`; one-vs-rest for `class_id` (all classes if None)."""
    rows = unit_mask[units.unit]
    if not rows.any():
        return {"alpha": None, "ci_low": None, "ci_high": None, "n_units": 0, "reason": "no units"}
    sub_units, unit_code = np.unique(units.unit[rows], return_inverse=True)
    classes = units.class_id[rows]
    if class_id is None:
        values, code = np.unique(classes, return_inverse=True)
    else:
        values, code = np.array([0, 1]), (classes == class_id).astype(np.int64)
    result = alpha_result_from_codes(
        unit_code.astype(np.int64),
        np.asarray(code, dtype=np.int64),
        values,
        sub_units.size,
        units.n_coders,
        "nominal",
        group=units.unit_item[sub_units],
        n_boot=n_boot,
        seed=seed,
    )
    return {
        "alpha": result.value,
        "ci_low": result.ci_low,
        "ci_high": result.ci_high,
        "n_units": result.n_units,
        "reason": result.reason,
    }


def class_alphas(annotations: pd.DataFrame, *, iou_threshold: float) -> dict[int, dict]:
    """Per class drawn on a pairable unit: the one-vs-rest alpha the page shows, no interval.

    The class SLAs check this number (apps.workflow.services.compliance), so an SLA and the
    page's per-class alpha agree on the same annotations.
    """
    units = pairable_units(annotations, None, iou_threshold)
    if units is None:
        return {}
    every = np.ones(units.n_units, dtype=bool)
    return {
        int(class_id): _alpha(units, every, int(class_id), seed=0, n_boot=0)
        for class_id in np.unique(units.class_id)
    }


def agreement_grid(
    annotations: pd.DataFrame,
    items: pd.DataFrame,
    class_names: dict[int, str],
    *,
    iou_threshold: float,
) -> dict[str, Any]:
    """alpha with CIs: per class (one-vs-rest) and overall, for all items and per scene type.

    Returns {"classes": [...names, "all classes"], "scenes": ["all scenes", ...tags],
    "cells": rows x columns of {alpha, ci_low, ci_high, n_units, reason} | None}.
    """
    units = pairable_units(annotations, items, iou_threshold)
    if units is None:
        return {"classes": [], "scenes": [], "cells": [], "by_class": []}
    scenes = sorted({tag for tags in units.unit_scenes for tag in tags})
    masks = {ALL: np.ones(units.n_units, dtype=bool)}
    for tag in scenes:
        masks[tag] = np.array([tag in tags for tags in units.unit_scenes], dtype=bool)
    present = sorted(set(units.class_id.tolist()))
    row_keys: list[int | None] = [*present, None]
    cells = [
        [_alpha(units, mask, class_id, seed=i * 97 + j) for j, mask in enumerate(masks.values())]
        for i, class_id in enumerate(row_keys)
    ]
    names = [class_names.get(c, str(c)) if c is not None else "all classes" for c in row_keys]
    by_class = [
        {"name": name, "class_id": key, **row[0]}
        for name, key, row in zip(names, row_keys, cells, strict=True)
    ]
    return {
        "classes": names,
        "scenes": ["all scenes", *scenes],
        "cells": cells,
        "by_class": by_class,
    }
