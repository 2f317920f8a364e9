"""Mergeable statistics: shards summed equal the whole; summaries agree with exact scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import labelqc.quality.statistics as statistics
from labelqc.quality import (
    compare_to_gold,
    gold_score_statistics,
    grouped_quantiles,
    histogram_quantile,
    merge_gold_statistics,
    score_comparison,
    summarize_gold_statistics,
)


def workload(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = 1200
    gold = pd.DataFrame(
        {
            "item_id": rng.integers(0, 200, n),
            "class_id": rng.integers(0, 3, n),
            "x": rng.uniform(0, 500, n),
            "y": rng.uniform(0, 500, n),
            "w": rng.uniform(10, 60, n),
            "h": rng.uniform(10, 60, n),
        }
    )
    parts = []
    for annotator in (1, 2, 3):
        drawn = gold[rng.random(n) < 0.85].assign(annotator_id=annotator)
        drawn[["x", "y"]] += rng.normal(0, 3, (len(drawn), 2))
        parts.append(drawn)
    return gold, pd.concat(parts, ignore_index=True)


def test_shards_merge_to_the_whole_and_summaries_agree() -> None:
    gold, annotations = workload(seed=5)
    by = ("annotator_id", "class_id")
    whole = gold_score_statistics(compare_to_gold(gold, annotations), by)
    shards = []
    for shard in range(3):
        items = gold["item_id"] % 3 == shard
        drawn = annotations["item_id"] % 3 == shard
        shards.append(gold_score_statistics(compare_to_gold(gold[items], annotations[drawn]), by))
    merged = merge_gold_statistics(shards, by)
    value_columns = [c for c in whole.columns if c not in by and c not in ("iou_sum", "iou_sq_sum")]
    pd.testing.assert_frame_equal(merged[list(by) + value_columns], whole[list(by) + value_columns])
    np.testing.assert_allclose(merged["iou_sum"], whole["iou_sum"])

    exact = score_comparison(compare_to_gold(gold, annotations), "annotator_id")
    # Rolled up from (annotator, class): exact counts, but distinct items are no longer known.
    rolled_up = summarize_gold_statistics(merged, "annotator_id")
    assert rolled_up["n_items"].isna().all()
    for column in ("tp", "fp", "fn"):
        assert rolled_up[column].tolist() == exact[column].tolist()
    per_annotator = [
        gold_score_statistics(
            compare_to_gold(
                gold[gold["item_id"] % 3 == k], annotations[annotations["item_id"] % 3 == k]
            )
        )
        for k in range(3)
    ]
    summary = summarize_gold_statistics(merge_gold_statistics(per_annotator))
    for column in ("n_items", "tp", "fp", "fn"):
        assert summary[column].tolist() == exact[column].tolist()
    for column in ("precision", "recall", "accuracy", "mean_iou"):
        np.testing.assert_allclose(summary[column].astype(float), exact[column].astype(float))
    # Histogram quantiles are within one bin width (0.05) of the exact ones.
    for column in ("median_iou", "p10_iou"):
        gap = (summary[column].astype(float) - exact[column].astype(float)).abs()
        assert (gap <= 0.05).all()


def test_histogram_quantile_hand_values() -> None:
    counts = np.zeros((2, 20))
    counts[0, 1] = 10  # all mass in [0.05, 0.10)
    assert histogram_quantile(counts, 0.5)[0] == pytest.approx(0.075)
    assert np.isnan(histogram_quantile(counts, 0.5)[1])
    with pytest.raises(ValueError, match="quantile"):
        histogram_quantile(counts, 1.5)


values_and_codes = st.integers(1, 60).flatmap(
    lambda n: st.tuples(
        arrays(np.float64, n, elements=st.floats(0, 1)),
        arrays(np.int64, n, elements=st.integers(0, 4)),
    )
)


@settings(max_examples=60, deadline=None)
@given(values_and_codes, st.booleans())
def test_grouped_quantiles_equal_numpy(data, many_groups_path: bool) -> None:
    values, codes = data
    original = statistics._PARTITION_MAX_GROUPS
    statistics._PARTITION_MAX_GROUPS = 0 if many_groups_path else original
    try:
        result = grouped_quantiles(codes, values, 6, (0.5, 0.1, 0.9, 0.0, 1.0))
    finally:
        statistics._PARTITION_MAX_GROUPS = original
    for group in range(6):
        own = values[codes == group]
        if own.size == 0:
            assert np.isnan(result[:, group]).all()
        else:
            expected = np.quantile(own, [0.5, 0.1, 0.9, 0.0, 1.0])
            np.testing.assert_allclose(result[:, group], expected, atol=1e-9)
