"""Honeypot signals: accuracy CUSUM, size bias, class confusion and missed objects.

Each function turns :class:`~labelqc.catch.gold_evidence.GoldEvidence` into an *evaluation
frame*: one row per honeypot task at which the rule was evaluated, with columns ``row``
(timeline row), ``value`` (the statistic), ``bound`` (what it was compared with), ``fired``
(bool) and ``detail`` (which side, pair or recall). Rules are documented on their dataclasses
in :mod:`labelqc.catch.rules`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelqc.catch.gold_evidence import GoldEvidence
from labelqc.catch.rules import ConfusionRule, GoldAccuracyRule, MissingRule, SizeBiasRule
from labelqc.catch.timeline import rolling_sums, row_first
from labelqc.drift import cusum_chart
from labelqc.quality.statistics import wilson_bounds

EVALUATION_COLUMNS = ("row", "value", "bound", "fired", "detail")


def empty_evaluations() -> pd.DataFrame:
    """An evaluation frame with no row."""
    return pd.DataFrame(
        {
            "row": pd.Series([], dtype=np.int64),
            "value": pd.Series([], dtype=np.float64),
            "bound": pd.Series([], dtype=np.float64),
            "fired": pd.Series([], dtype=bool),
            "detail": pd.Series([], dtype=object),
        }
    )


def evaluations(
    rows: np.ndarray, value: np.ndarray, bound: np.ndarray, fired: np.ndarray, detail: np.ndarray
) -> pd.DataFrame:
    """Assemble an evaluation frame from aligned arrays (``bound`` may be a scalar)."""
    rows = np.asarray(rows, dtype=np.int64)
    return pd.DataFrame(
        {
            "row": rows,
            "value": np.asarray(value, dtype=np.float64),
            "bound": np.broadcast_to(np.asarray(bound, dtype=np.float64), rows.shape),
            "fired": np.asarray(fired, dtype=bool),
            "detail": np.broadcast_to(np.asarray(detail, dtype=object), rows.shape),
        }
    )


def _first(evidence: GoldEvidence) -> np.ndarray:
    return row_first(evidence.table["annotator_id"].to_numpy())


def _columns(evidence: GoldEvidence, names: list[str]) -> np.ndarray:
    return evidence.table[names].to_numpy(dtype=np.float64)


def gold_accuracy_evaluations(evidence: GoldEvidence, rule: GoldAccuracyRule) -> pd.DataFrame:
    """Lower CUSUM of honeypot accuracy against ``rule.target`` (value = C-, bound = h)."""
    table = evidence.table
    n = (table["tp"] + table["fp"] + table["fn"]).to_numpy(dtype=np.float64)
    scored = table.assign(n=n, accuracy=table["tp"].to_numpy() / np.where(n > 0, n, 1.0))[n > 0]
    sigma = rule.dispersion * float(np.sqrt(rule.target * (1.0 - rule.target)))
    parts = []
    # One chart per annotator (tens to hundreds); each chart is a short causal recursion.
    for _, honeypots in scored.groupby("annotator_id", sort=False):
        chart = cusum_chart(
            honeypots["accuracy"].to_numpy(),
            target=rule.target,
            sigma=sigma,
            sample_sizes=honeypots["n"].to_numpy(),
            k=rule.k,
            h=rule.h,
        )
        parts.append(
            evaluations(
                honeypots["row"].to_numpy(),
                chart.lower,
                rule.h,
                chart.signal_lower,
                "accuracy below target",
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else empty_evaluations()


def size_bias_evaluations(evidence: GoldEvidence, rule: SizeBiasRule) -> pd.DataFrame:
    """Windowed mean log area ratio; value = mean, bound = the band on the mean's side."""
    n_i, s_i, q_i = _columns(evidence, ["n_pairs", "log_ratio_sum", "log_ratio_sq_sum"]).T
    window = rolling_sums(
        np.column_stack([n_i, s_i, q_i, s_i * s_i, s_i * n_i, n_i * n_i]),
        _first(evidence),
        rule.window_gold_items,
    )
    n, s, q, ss, sn, nn = window.T
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s / n
        pair_var = np.maximum(q - n * mean * mean, 0.0) / np.maximum(n - 1.0, 1.0)
        # Pairs of one honeypot share its scene; the clustered SE (by honeypot) is used, floored
        # by the independent-pairs SE because few clusters can understate the spread.
        clustered = np.sqrt(np.maximum(ss - 2.0 * mean * sn + mean * mean * nn, 0.0)) / n
        se = np.maximum(clustered, np.sqrt(pair_var / n))
    enough = n >= rule.min_pairs
    fired = enough & (np.abs(mean) > rule.band) & (np.abs(mean) - rule.z * se > 0.0)
    side = np.where(mean >= 0, "loose boxes", "tight boxes")
    return evaluations(
        evidence.table["row"].to_numpy(),
        np.where(enough, mean, np.nan),
        np.where(mean >= 0, rule.band, -rule.band),
        fired,
        side,
    )


def _team_rates(
    evidence: GoldEvidence, own_matches: np.ndarray, own_swaps: np.ndarray, min_matches: int
) -> np.ndarray:
    """Per honeypot row and pair: swaps / matches of every *other* annotator's honeypots that
    started no later than this one (NaN under ``min_matches`` matches)."""
    started = evidence.table["started_at"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    order = np.argsort(started, kind="stable")
    zero = np.zeros((1, evidence.pair_matches.shape[1]))
    all_matches = np.vstack([zero, np.cumsum(evidence.pair_matches[order], axis=0)])
    all_swaps = np.vstack([zero, np.cumsum(evidence.pair_swaps[order], axis=0)])
    upto = np.searchsorted(started[order], started, side="right")
    team_matches = all_matches[upto] - own_matches
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = (all_swaps[upto] - own_swaps) / team_matches
    return np.where(team_matches >= min_matches, rate, np.nan)


def confusion_evaluations(evidence: GoldEvidence, rule: ConfusionRule) -> pd.DataFrame:
    """Windowed swap rate per class pair against the team's rate; value = the worst pair's
    lower Wilson bound minus the team rate, bound = ``rule.bound``."""
    rows = evidence.table["row"].to_numpy()
    if not evidence.pairs:
        return evaluations(
            rows, np.full(rows.size, np.nan), rule.bound, np.zeros(rows.size, bool), ""
        )
    first = _first(evidence)
    matches = rolling_sums(evidence.pair_matches, first, rule.window_gold_items)
    swaps = rolling_sums(evidence.pair_swaps, first, rule.window_gold_items)
    own_matches = rolling_sums(evidence.pair_matches, first, rows.size)
    own_swaps = rolling_sums(evidence.pair_swaps, first, rows.size)
    team = _team_rates(evidence, own_matches, own_swaps, rule.min_team_matches)
    lower, _ = wilson_bounds(swaps, matches, rule.z)
    excess = np.where((matches >= rule.min_matches) & np.isfinite(team), lower - team, -np.inf)
    worst = np.argmax(excess, axis=1)
    worst_excess = excess[np.arange(rows.size), worst]
    labels = np.array([f"classes {a}<->{b}" for a, b in evidence.pairs], dtype=object)
    return evaluations(
        rows,
        np.where(np.isfinite(worst_excess), worst_excess, np.nan),
        rule.bound,
        worst_excess > rule.bound,
        labels[worst],
    )


def missing_evaluations(evidence: GoldEvidence, rule: MissingRule) -> pd.DataFrame:
    """Windowed recall (small objects, then all); value = the firing (or small) recall's
    upper Wilson bound, bound = its recall bound."""
    sums = rolling_sums(
        _columns(evidence, ["n_small", "n_small_missed", "n_gold", "n_missed"]),
        _first(evidence),
        rule.window_gold_items,
    )
    n_small, small_missed, n_gold, missed = sums.T
    _, small_upper = wilson_bounds(n_small - small_missed, n_small, rule.z)
    _, all_upper = wilson_bounds(n_gold - missed, n_gold, rule.z)
    small_fired = (n_small >= rule.min_small) & (small_upper < rule.small_recall_bound)
    all_fired = (n_gold >= rule.min_objects) & (all_upper < rule.recall_bound)
    use_all = all_fired & ~small_fired
    value = np.where(use_all, all_upper, np.where(n_small >= rule.min_small, small_upper, np.nan))
    return evaluations(
        evidence.table["row"].to_numpy(),
        value,
        np.where(use_all, rule.recall_bound, rule.small_recall_bound),
        small_fired | all_fired,
        np.where(use_all, "recall (all objects)", "recall on small objects"),
    )
