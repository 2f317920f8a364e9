"""Uncertainty of a pre-label, from the signals SAM 2 gives away for free.

Components (each in [0, 1], 1 = most unsure):

* ``iou_uncertainty = 1 - predicted IoU`` (the mask decoder's own quality head);
* ``instability = 1 - stability``, where stability is the IoU between the mask logits
  thresholded at ``+offset`` and at ``-offset`` (the SAM stability score; 1 when both are empty);
* ``multimask_disagreement = 1 - mean pairwise IoU`` of the decoder's multimask outputs
  binarised at logit 0 (two empty masks agree);
* ``object_score_entropy``: binary entropy in bits of ``sigmoid(object-score logit)``
  (video; 1 bit when the model cannot tell whether the object is there).

``combined`` is the weighted mean of the components that are defined (default weights all 1),
so a backend that cannot produce a signal is not penalised or flattered for it; it is None
(with a reason) when no component is defined. Per item, ``aggregate_item`` reports the max
(the worst object decides whether an item needs a look) and the mean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from labelqc.prelabel.masks import pairwise_mask_iou
from labelqc.prelabel.types import PrelabelResult, Uncertainty

DEFAULT_WEIGHTS: Mapping[str, float] = {
    "iou_uncertainty": 1.0,
    "instability": 1.0,
    "multimask_disagreement": 1.0,
    "object_score_entropy": 1.0,
}


def stability_scores(logits: np.ndarray, offset: float = 1.0) -> np.ndarray:
    """Stability score per mask of a (..., H, W) logit stack -> (...,) floats in [0, 1].

    Defined as |logits > offset| / |logits > -offset|; 1.0 when both sets are empty.
    """
    if offset < 0:
        raise ValueError(f"offset: must be >= 0, got {offset}")
    flat = logits.reshape(*logits.shape[:-2], -1)
    inner = (flat > offset).sum(axis=-1)
    outer = (flat > -offset).sum(axis=-1)
    return np.where(outer > 0, inner / np.maximum(outer, 1), 1.0).astype(float)


def multimask_disagreement(logits: np.ndarray) -> np.ndarray:
    """1 - mean pairwise IoU of K >= 2 candidate masks, for a (..., K, H, W) logit stack."""
    candidates = logits.shape[-3]
    if candidates < 2:
        raise ValueError(f"logits: need at least 2 candidate masks, got {candidates}")
    binary = logits.reshape(*logits.shape[:-2], -1) > 0
    iou = pairwise_mask_iou(binary)
    upper = np.triu_indices(candidates, k=1)
    mean_pairwise = iou[..., upper[0], upper[1]].mean(axis=-1)
    return np.clip(1.0 - mean_pairwise, 0.0, 1.0)


def object_score_entropy(logits: np.ndarray) -> np.ndarray:
    """Binary entropy (bits) of sigmoid(logit), elementwise; 0 for a confident score."""
    probability = 1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=float)))
    probability = np.clip(probability, 1e-12, 1 - 1e-12)
    entropy = -(probability * np.log2(probability) + (1 - probability) * np.log2(1 - probability))
    return np.clip(entropy, 0.0, 1.0)


def _clip_unit(value: float | None) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return float(min(max(value, 0.0), 1.0))


def combine(
    *,
    predicted_iou: float | None = None,
    stability: float | None = None,
    disagreement: float | None = None,
    entropy: float | None = None,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    reason_if_undefined: str = "no uncertainty signal available",
) -> Uncertainty:
    """Build an ``Uncertainty`` from raw signals (see the module docstring for definitions).

    predicted_iou / stability are qualities in [0, 1] (turned into 1 - value); disagreement
    and entropy are already uncertainties. None or non-finite inputs leave that component
    undefined.
    """
    iou_quality = _clip_unit(predicted_iou)
    stability_quality = _clip_unit(stability)
    components = {
        "iou_uncertainty": None if iou_quality is None else 1.0 - iou_quality,
        "instability": None if stability_quality is None else 1.0 - stability_quality,
        "multimask_disagreement": _clip_unit(disagreement),
        "object_score_entropy": _clip_unit(entropy),
    }
    defined = {name: value for name, value in components.items() if value is not None}
    total_weight = sum(weights.get(name, 0.0) for name in defined)
    if not defined or total_weight <= 0:
        return Uncertainty(**components, combined=None, reason=reason_if_undefined)
    combined = sum(weights.get(name, 0.0) * value for name, value in defined.items())
    return Uncertainty(**components, combined=float(combined / total_weight), reason=None)


@dataclass(frozen=True)
class ItemUncertainty:
    """Uncertainty of one item's pre-labels: max and mean of the defined ``combined`` values."""

    max: float | None
    mean: float | None
    count: int
    reason: str | None = None


def aggregate_item(results: Sequence[PrelabelResult]) -> ItemUncertainty:
    """Max and mean combined uncertainty over an item's pre-labels (None with a reason if none)."""
    values = [r.uncertainty.combined for r in results if r.uncertainty.combined is not None]
    if not results:
        return ItemUncertainty(None, None, 0, reason="item has no pre-labels")
    if not values:
        return ItemUncertainty(None, None, 0, reason="no pre-label has a defined uncertainty")
    array = np.asarray(values, dtype=float)
    return ItemUncertainty(float(array.max()), float(array.mean()), len(values))
