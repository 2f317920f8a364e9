"""Agreement signals: an annotator disagreeing with co-annotators more than those co-annotators
disagree with everyone else, and a class whose labels annotators do not agree on (a
class-level fault).

Both read only :class:`~labelqc.catch.iaa_evidence.IaaEvidence` (no gold). Rules are on
:class:`~labelqc.catch.rules.IaaRule` and :class:`~labelqc.catch.rules.ClassAmbiguityRule`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelqc.agreement.alpha import alpha_batch
from labelqc.catch.gold_signals import empty_evaluations, evaluations
from labelqc.catch.iaa_evidence import IaaEvidence
from labelqc.catch.rules import ClassAmbiguityRule, IaaRule
from labelqc.catch.timeline import Timeline

_TIME_BITS = 40  # 2**40 ms is 35 years: (annotator code, time) fits one sortable int64 key


def _keys(codes: np.ndarray, time_ms: np.ndarray) -> np.ndarray:
    return (codes.astype(np.int64) << _TIME_BITS) + time_ms.astype(np.int64)


def _residuals(sides: pd.DataFrame, annotators: np.ndarray, rule: IaaRule) -> np.ndarray:
    """Per comparison cluster (sides order): comparisons used, and disagreements minus those
    expected from the partner's own rate when the cluster became known.

    The partner's rate is their cumulative disagreement over all their comparisons known by
    then, this cluster left out; clusters whose partner has fewer than
    ``min_partner_comparisons`` are not used yet. Returns columns (n used, residual).
    """
    codes = np.searchsorted(annotators, sides["annotator_id"].to_numpy())
    keys = _keys(codes, sides["time_ms"].to_numpy())
    n, d = sides["n"].to_numpy(), sides["d"].to_numpy()
    cumulative_n, cumulative_d = np.r_[0.0, np.cumsum(n)], np.r_[0.0, np.cumsum(d)]
    partner = np.searchsorted(annotators, sides["partner_id"].to_numpy())
    partner_start = np.searchsorted(keys, _keys(partner, np.zeros(partner.size)), "left")
    upto = np.searchsorted(keys, _keys(partner, sides["time_ms"].to_numpy()), "right")
    partner_n = cumulative_n[upto] - cumulative_n[partner_start] - n
    partner_d = cumulative_d[upto] - cumulative_d[partner_start] - d
    known = partner_n >= rule.min_partner_comparisons
    rate = np.where(known, partner_d / np.where(known, partner_n, 1.0), 0.0)
    used = np.where(known, n, 0.0)
    return np.column_stack([used, np.where(known, d - n * rate, 0.0)])


def iaa_evaluations(evidence: IaaEvidence, timeline: Timeline, rule: IaaRule) -> pd.DataFrame:
    """Per timeline row: value = excess disagreement over the window (see IaaRule), bound =
    margin; fired when its lower bound exceeds the margin."""
    sides = evidence.sides
    tasks = timeline.tasks
    if sides.empty or not len(tasks):
        return empty_evaluations()
    annotators, task_code = np.unique(tasks["annotator_id"].to_numpy(), return_inverse=True)
    side_key = _keys(
        np.searchsorted(annotators, sides["annotator_id"].to_numpy()), sides["time_ms"].to_numpy()
    )
    used, residual = _residuals(sides, annotators, rule).T
    per_cluster = np.column_stack([used, residual, residual**2, residual * used, used**2])
    sums = np.vstack([np.zeros((1, per_cluster.shape[1])), np.cumsum(per_cluster, axis=0)])
    rows = np.arange(len(tasks))
    earlier = rows - rule.window_items
    has_earlier = earlier >= timeline.first_row
    lower_time = np.where(has_earlier, timeline.time_ms[np.maximum(earlier, 0)], -1)
    window = (
        sums[np.searchsorted(side_key, _keys(task_code, timeline.time_ms), "right")]
        - sums[np.searchsorted(side_key, _keys(task_code, lower_time), "right")]
    )
    count, total, total_sq, cross, count_sq = window.T
    with np.errstate(divide="ignore", invalid="ignore"):
        excess = total / count
        # Ratio-estimator SE clustered by (item, partner): comparisons of one item are shared.
        spread = total_sq - 2.0 * excess * cross + excess * excess * count_sq
        se = np.sqrt(np.maximum(spread, 0.0)) / count
    enough = count >= rule.min_comparisons
    fired = enough & (excess - rule.z * se > rule.margin)
    return evaluations(
        rows, np.where(enough, excess, np.nan), rule.margin, fired, "disagrees with co-annotators"
    )


def _class_coincidences(drawn: pd.DataFrame, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pairable object (two or more drawn values): when it became pairable, and its
    contribution to each class's 2x2 'c / not c' coincidence matrix (objects x classes x 4)."""
    ordered = drawn.sort_values(["unit", "time_ms"], kind="stable")
    unit_code, _ = pd.factorize(ordered["unit"].to_numpy(), sort=True)
    class_code = np.searchsorted(classes, ordered["class_id"].to_numpy())
    n_units = int(unit_code.max()) + 1 if unit_code.size else 0
    counts = np.bincount(
        unit_code * classes.size + class_code, minlength=n_units * classes.size
    ).reshape(n_units, classes.size)
    m = counts.sum(axis=1).astype(np.float64)
    # An object becomes pairable when its second box is drawn (rows are in time order).
    rank = np.arange(unit_code.size) - np.searchsorted(unit_code, unit_code, side="left")
    second_time = np.zeros(n_units, dtype=np.int64)
    second_time[unit_code[rank == 1]] = ordered["time_ms"].to_numpy(dtype=np.int64)[rank == 1]
    pairable = m >= 2
    n_c = counts[pairable].astype(np.float64)
    m = m[pairable][:, None]
    rest = m - n_c
    same = n_c * (n_c - 1.0) / (m - 1.0)
    cross = n_c * rest / (m - 1.0)
    other = rest * (rest - 1.0) / (m - 1.0)
    matrices = np.stack([same, cross, cross, other], axis=2)
    times = second_time[pairable]
    order = np.argsort(times, kind="stable")
    return times[order], matrices[order]


def class_evaluations(
    evidence: IaaEvidence, timeline: Timeline, rule: ClassAmbiguityRule
) -> pd.DataFrame:
    """Per checkpoint (every ``check_every_items`` completed regular items) and class.

    Columns: ``time_ms, items_done, class_id, value`` (alpha, NaN when undefined or under
    ``min_values``), ``n_values``, ``bound`` (floor), ``fired``.
    """
    columns = ["time_ms", "items_done", "class_id", "value", "n_values", "bound", "fired"]
    drawn, done = evidence.drawn, evidence.item_done_ms
    if not rule.include_honeypots and "is_gold" in drawn.columns:
        drawn = drawn[~drawn["is_gold"].to_numpy(dtype=bool)]
    if drawn.empty or done.size < rule.check_every_items:
        return pd.DataFrame({c: pd.Series([], dtype=float) for c in columns})
    classes = np.unique(drawn["class_id"].to_numpy())
    times, matrices = _class_coincidences(drawn, classes)
    checkpoints = done[rule.check_every_items - 1 :: rule.check_every_items]
    items_done = np.arange(checkpoints.size) * rule.check_every_items + rule.check_every_items
    cumulative = np.concatenate([np.zeros((1, *matrices.shape[1:])), np.cumsum(matrices, 0)])
    upto = cumulative[np.searchsorted(times, checkpoints, side="right")]
    flat = upto.reshape(-1, 4)
    alpha = alpha_batch(flat, np.array([0, 1]), "nominal")
    n_values = flat[:, 0] + flat[:, 1]
    enough = (n_values >= rule.min_values) & np.isfinite(alpha)
    value = np.where(enough, alpha, np.nan)
    return pd.DataFrame(
        {
            "time_ms": np.repeat(checkpoints, classes.size),
            "items_done": np.repeat(items_done, classes.size),
            "class_id": np.tile(classes, checkpoints.size),
            "value": value,
            "n_values": n_values,
            "bound": rule.floor,
            "fired": enough & (value < rule.floor),
        }
    )
