"""Inter-annotator agreement for boxes and masks drawn on the same items.

``shape_agreement`` first groups shapes into objects (``match_objects``), then reports:

(a) label agreement: nominal Krippendorff alpha. Units are the matched objects; the coders of
    an object are the annotators of its item (everyone with a shape on the item, plus anyone
    listed for it in ``assignments``). Each such annotator contributes the class they gave
    the object, or the explicit category ``ABSENT_CLASS`` (-1) when they drew nothing for it,
    so a missed or extra object counts as a disagreement. Objects of items with a single
    annotator are not pairable and drop out.
(b) spatial agreement: alpha_spatial = 1 - D_o / D_e with distance d = 1 - IoU (box IoU, or
    mask IoU for ``shape="mask"``).
    D_o = mean of d over all unordered pairs of shapes (from different annotators) of the same
    matched object, whatever their classes.
    D_e = mean of d over unordered pairs of shapes of the same class on DIFFERENT items, in raw
    pixel coordinates: no alignment to a common reference frame is done, so D_e reflects how
    shapes of a class are spread over images. For masks, only canvases of the same size
    (the RLE size) are compared, since masks of different sizes share no pixel frame. When
    there are more than ``max_expected_pairs`` such pairs, that many are drawn uniformly at
    random with replacement (with ``seed``), otherwise all are used.
(c) mean pairwise IoU as Label Studio reports task agreement: for each item, each pair of its
    annotators scores sum(IoU over objects both drew with the same class) / (objects either
    drew); the item score is the mean over its annotator pairs (pairs where neither drew
    anything are skipped) and the reported value is the mean over items.

Bootstrap intervals resample items. For (b) the resampled quantity is D_o; D_e is held fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from labelqc.agreement._encoding import encode_codes
from labelqc.agreement._iou import mask_iou_paired, to_compressed_rle
from labelqc.agreement._messages import shown
from labelqc.agreement.bootstrap import (
    alpha_result_from_codes,
    bootstrap_replicates,
    check_bootstrap_args,
    percentile_interval,
)
from labelqc.agreement.matching import BOX_COLUMNS, match_objects
from labelqc.agreement.pairs import cross_item_pairs
from labelqc.agreement.results import AgreementResult
from labelqc.geometry import IouThreshold, box_iou_pairs

ABSENT_CLASS = -1
Shape = Literal["box", "mask"]


@dataclass(frozen=True, eq=False)
class ShapeAgreement:
    """Result of ``shape_agreement`` (see the module docstring for the definitions).

    ``observed_disagreement`` / ``expected_disagreement`` are D_o and D_e of the spatial alpha
    (None when undefined); ``matched`` is the annotations frame with ``object_id``.
    """

    label_alpha: AgreementResult
    spatial_alpha: AgreementResult
    mean_pairwise_iou: AgreementResult
    observed_disagreement: float | None
    expected_disagreement: float | None
    n_items: int
    n_objects: int
    matched: pd.DataFrame


@dataclass(frozen=True)
class _Boot:
    n_boot: int
    confidence: float
    seed: int


def _item_annotators(matched: pd.DataFrame, assignments: pd.DataFrame | None) -> pd.DataFrame:
    pairs = matched[["item_id", "annotator_id"]]
    if assignments is not None:
        for column in ("item_id", "annotator_id"):
            if column not in assignments.columns:
                raise ValueError(f"assignments is missing column {column!r}")
        pairs = pd.concat([pairs, assignments[["item_id", "annotator_id"]]], ignore_index=True)
    return pairs.drop_duplicates().reset_index(drop=True)


def _label_alpha(
    matched: pd.DataFrame, annotators: pd.DataFrame, item_code: pd.Series, boot: _Boot
) -> AgreementResult:
    objects = matched[["item_id", "object_id"]].drop_duplicates()
    grid = objects.merge(annotators, on="item_id", how="inner")
    drawn = matched[["object_id", "annotator_id", "class_id"]]
    grid = grid.merge(drawn, on=["object_id", "annotator_id"], how="left")
    grid["class_id"] = grid["class_id"].fillna(ABSENT_CLASS).astype(np.int64)
    codes, values = encode_codes(grid["class_id"].to_numpy(), None)
    unit, unit_ids = pd.factorize(grid["object_id"], sort=True)
    item_of_object = (
        grid.drop_duplicates("object_id").set_index("object_id")["item_id"].loc[unit_ids]
    )
    return alpha_result_from_codes(
        np.asarray(unit, dtype=np.int64),
        codes,
        values,
        len(unit_ids),
        int(annotators["annotator_id"].nunique()),
        "nominal",
        group=item_code.loc[item_of_object].to_numpy(),
        metric="label_alpha",
        n_boot=boot.n_boot,
        confidence=boot.confidence,
        seed=boot.seed,
    )


def _shape_pairs(matched: pd.DataFrame) -> pd.DataFrame:
    """All unordered pairs of shapes of the same object (annotator_a < annotator_b)."""
    left = matched[["item_id", "object_id", "annotator_id", "class_id", "row"]]
    pairs = left.merge(left, on=["item_id", "object_id"], suffixes=("_a", "_b"))
    return pairs[pairs["annotator_id_a"] < pairs["annotator_id_b"]].reset_index(drop=True)


def _pair_iou(
    row_a: np.ndarray, row_b: np.ndarray, boxes: np.ndarray, rles: list[dict] | None
) -> np.ndarray:
    if rles is None:
        return box_iou_pairs(boxes[row_a], boxes[row_b])
    return mask_iou_paired([rles[i] for i in row_a], [rles[i] for i in row_b])


def _mean_result(
    metric: str, per_item: pd.Series, n_coders: int, reason: str, boot: _Boot
) -> AgreementResult:
    """Mean of per-item scores, with a bootstrap over items."""
    if per_item.empty:
        return AgreementResult(metric, None, reason, 0, n_coders)
    value = float(per_item.mean())
    if boot.n_boot == 0:
        return AgreementResult(metric, value, None, per_item.size, n_coders)
    features = np.column_stack([per_item.to_numpy(dtype=np.float64), np.ones(per_item.size)])
    replicates = bootstrap_replicates(
        features, lambda sums: sums[:, 0] / sums[:, 1], boot.n_boot, boot.seed
    )
    low, high, defined = percentile_interval(replicates, boot.confidence)
    return AgreementResult(
        metric,
        value,
        None,
        per_item.size,
        n_coders,
        ci_low=low,
        ci_high=high,
        confidence=boot.confidence,
        n_boot=boot.n_boot,
        n_boot_defined=defined,
    )


def _mean_pairwise_iou(
    matched: pd.DataFrame, annotators: pd.DataFrame, pairs: pd.DataFrame, boot: _Boot
) -> AgreementResult:
    same_class = (pairs["class_id_a"] == pairs["class_id_b"]).to_numpy()
    scored = pairs.assign(both=1, credit=np.where(same_class, pairs["iou"], 0.0))
    keys = ["item_id", "annotator_id_a", "annotator_id_b"]
    per_pair = (
        scored.groupby(keys).agg(both=("both", "sum"), credit=("credit", "sum")).reset_index()
    )
    drawn = matched.groupby(["item_id", "annotator_id"]).size().rename("n").reset_index()
    grid = annotators.merge(annotators, on="item_id", suffixes=("_a", "_b"))
    grid = grid[grid["annotator_id_a"] < grid["annotator_id_b"]]
    grid = grid.merge(per_pair, how="left", on=keys)
    for side in ("a", "b"):
        grid = grid.merge(
            drawn.rename(columns={"annotator_id": f"annotator_id_{side}", "n": f"n_{side}"}),
            how="left",
            on=["item_id", f"annotator_id_{side}"],
        )
    grid = grid.fillna({"both": 0, "credit": 0.0, "n_a": 0, "n_b": 0})
    union = (grid["n_a"] + grid["n_b"] - grid["both"]).to_numpy()
    scores = grid.loc[union > 0, ["item_id"]].assign(
        score=grid["credit"].to_numpy()[union > 0] / union[union > 0]
    )
    per_item = scores.groupby("item_id")["score"].mean()
    return _mean_result(
        "mean_pairwise_iou",
        per_item,
        int(annotators["annotator_id"].nunique()),
        "no item has two annotators of whom at least one drew a shape",
        boot,
    )


def _spatial_alpha(
    pairs: pd.DataFrame,
    stratum: np.ndarray,
    item: np.ndarray,
    boxes: np.ndarray,
    rles: list[dict] | None,
    n_coders: int,
    max_pairs: int,
    boot: _Boot,
) -> tuple[AgreementResult, float | None, float | None]:
    metric = "spatial_alpha"
    if pairs.empty:
        reason = "no matched object was drawn by two or more annotators"
        return AgreementResult(metric, None, reason, 0, n_coders), None, None
    distance = 1.0 - pairs["iou"].to_numpy()
    observed = float(distance.mean())
    rng = np.random.default_rng([boot.seed, 1])
    first, second = cross_item_pairs(stratum, item, max_pairs, rng)
    n_items = int(pairs["item_id"].nunique())
    if first.size == 0:
        reason = "expected disagreement needs shapes of the same class on two or more items"
        return AgreementResult(metric, None, reason, n_items, n_coders), observed, None
    expected = float((1.0 - _pair_iou(first, second, boxes, rles)).mean())
    if expected <= 0:
        reason = "expected disagreement is zero: shapes of each class coincide across items"
        return AgreementResult(metric, None, reason, n_items, n_coders), observed, expected
    value = 1.0 - observed / expected
    if boot.n_boot == 0:
        return AgreementResult(metric, value, None, n_items, n_coders), observed, expected
    per_item = (
        pd.DataFrame({"item_id": pairs["item_id"], "d": distance, "n": 1.0})
        .groupby("item_id")[["d", "n"]]
        .sum()
    )
    replicates = bootstrap_replicates(
        per_item.to_numpy(),
        lambda sums: 1.0 - sums[:, 0] / sums[:, 1] / expected,
        boot.n_boot,
        boot.seed,
    )
    low, high, defined = percentile_interval(replicates, boot.confidence)
    result = AgreementResult(
        metric,
        value,
        None,
        n_items,
        n_coders,
        ci_low=low,
        ci_high=high,
        confidence=boot.confidence,
        n_boot=boot.n_boot,
        n_boot_defined=defined,
    )
    return result, observed, expected


def _mask_inputs(annotations: pd.DataFrame) -> tuple[list[dict], np.ndarray]:
    if "rle" not in annotations.columns:
        raise ValueError("annotations needs an rle column for shape='mask'")
    rles = [
        to_compressed_rle(rle, f"annotations row {shown(index)} rle")
        for index, rle in zip(annotations.index, annotations["rle"], strict=True)
    ]
    sizes = np.array([rle["size"] for rle in rles], dtype=np.int64).reshape(-1, 2)
    per_item = (
        pd.DataFrame(
            {"item_id": annotations["item_id"].to_numpy(), "h": sizes[:, 0], "w": sizes[:, 1]}
        )
        .groupby("item_id")[["h", "w"]]
        .transform("first")
    )
    mismatched = np.flatnonzero((per_item.to_numpy() != sizes).any(axis=1))
    if mismatched.size:
        row = annotations.index[mismatched[0]]
        raise ValueError(
            f"annotations row {shown(row)} rle has size {sizes[mismatched[0]].tolist()}, unlike "
            "the other masks of its item"
        )
    return rles, sizes


def shape_agreement(
    annotations: pd.DataFrame,
    *,
    shape: Shape = "box",
    iou_threshold: IouThreshold = 0.5,
    assignments: pd.DataFrame | None = None,
    max_expected_pairs: int = 100_000,
    n_boot: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
) -> ShapeAgreement:
    """Label, spatial and Label-Studio-style agreement of shapes (definitions: module doc).

    Args:
        annotations: canonical annotations (item_id, annotator_id, class_id, x, y, w, h; an
            ``rle`` column of COCO RLEs for ``shape="mask"``); class_id must not be -1.
        shape: "box" (IoU of xywh boxes) or "mask" (IoU of the RLE masks). Objects are
            matched on box IoU in both cases.
        iou_threshold: matching threshold, float or {class_id: threshold}.
        assignments: optional (item_id, annotator_id) rows of who labeled which item, so an
            annotator who drew nothing on an item still counts as saying "absent".
        max_expected_pairs: cap on cross-item pairs used for D_e (sampled beyond it; the
            mask IoU costs one pycocotools call per pair).
        n_boot, confidence, seed: percentile bootstrap over items (n_boot=0: no interval).

    Returns a ``ShapeAgreement``; undefined parts have value None and a reason. In each
    AgreementResult, ``n_units`` counts the items that entered (the resampled unit).
    """
    check_bootstrap_args(n_boot, confidence)
    if shape not in ("box", "mask"):
        raise ValueError(f"shape must be 'box' or 'mask', got {shape!r}")
    if max_expected_pairs < 1:
        raise ValueError(f"max_expected_pairs must be >= 1, got {max_expected_pairs}")
    boot = _Boot(n_boot, confidence, seed)
    matched = match_objects(annotations, iou_threshold)
    if (matched["class_id"] == ABSENT_CLASS).any():
        raise ValueError(f"class_id {ABSENT_CLASS} is reserved for 'absent' in label agreement")
    frame = matched.reset_index(drop=True).assign(row=lambda f: np.arange(len(f)))
    boxes = frame[list(BOX_COLUMNS)].to_numpy(dtype=np.float64)
    rles: list[dict] | None = None
    strata_columns = [frame["class_id"].to_numpy()]
    if shape == "mask":
        rles, sizes = _mask_inputs(matched)
        strata_columns += [sizes[:, 0], sizes[:, 1]]
    stratum = (
        pd.MultiIndex.from_arrays(strata_columns).factorize()[0]
        if len(frame)
        else np.empty(0, dtype=np.int64)
    )
    item_codes, item_ids = pd.factorize(frame["item_id"], sort=True)
    item_code = pd.Series(np.arange(len(item_ids)), index=item_ids)
    annotators = _item_annotators(frame, assignments)
    n_coders = int(annotators["annotator_id"].nunique())

    pairs = _shape_pairs(frame)
    pairs["iou"] = (
        _pair_iou(pairs["row_a"].to_numpy(), pairs["row_b"].to_numpy(), boxes, rles)
        if len(pairs)
        else np.empty(0)
    )
    label = _label_alpha(frame, annotators, item_code, boot)
    spatial, observed, expected = _spatial_alpha(
        pairs,
        np.asarray(stratum),
        np.asarray(item_codes),
        boxes,
        rles,
        n_coders,
        max_expected_pairs,
        boot,
    )
    pairwise = _mean_pairwise_iou(frame, annotators, pairs, boot)
    return ShapeAgreement(
        label_alpha=label,
        spatial_alpha=spatial,
        mean_pairwise_iou=pairwise,
        observed_disagreement=observed,
        expected_disagreement=expected,
        n_items=len(item_ids),
        n_objects=int(frame["object_id"].nunique()),
        matched=matched,
    )
