"""Honeypot evidence and the gold signals built on it.

Oracles: labelqc.quality's own roll-ups per annotator (the evidence is the same matching rolled
up per honeypot, so its sums must give them back exactly), log area ratios recomputed from the
matched pairs, and hand-worked small cases.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labelqc.catch import ConfusionRule, GoldAccuracyRule, MissingRule, SizeBiasRule
from labelqc.catch.gold_evidence import gold_evidence
from labelqc.catch.gold_signals import (
    confusion_evaluations,
    gold_accuracy_evaluations,
    missing_evaluations,
    size_bias_evaluations,
)
from labelqc.catch.timeline import build_timeline
from labelqc.catch.view import ServiceView
from labelqc.quality import compare_to_gold, score_comparison, size_bias

START = pd.Timestamp("2024-03-04 09:00", tz="UTC")


@pytest.fixture(scope="module")
def program_evidence(small_program):
    view = small_program.view
    timeline = build_timeline(view)
    return view, timeline, gold_evidence(view, timeline, 0.5, 1024.0)


def _honeypot_assignments(view: ServiceView) -> pd.DataFrame:
    return view.tasks.loc[view.tasks["is_gold"], ["item_id", "annotator_id"]]


def test_evidence_sums_give_back_the_quality_rollups(program_evidence) -> None:
    view, _, evidence = program_evidence
    table = evidence.table.groupby("annotator_id").sum(numeric_only=True)
    on_gold = view.annotations[view.annotations["item_id"].isin(view.gold_item_ids)]
    assignments = _honeypot_assignments(view)
    aware = compare_to_gold(view.gold, on_gold, 0.5, assignments=assignments)
    scores = score_comparison(aware).set_index("annotator_id")
    for column in ("tp", "fp", "fn"):
        np.testing.assert_array_equal(table[column], scores.loc[table.index, column])
    agnostic = compare_to_gold(view.gold, on_gold, 0.5, class_aware=False, assignments=assignments)
    bias = size_bias(agnostic).set_index("annotator_id").loc[table.index]
    np.testing.assert_array_equal(table["n_pairs"], bias["n_pairs"])
    mean = table["log_ratio_sum"] / table["n_pairs"]
    np.testing.assert_allclose(mean, bias["size_bias_mean"].astype(float), atol=1e-9)
    n = table["n_pairs"]
    variance = (table["log_ratio_sq_sum"] - n * mean**2) / (n - 1)
    np.testing.assert_allclose(variance, bias["size_bias_var"].astype(float), rtol=1e-6)
    missed = agnostic.match.unmatched_gold.groupby("annotator_id").size()
    np.testing.assert_array_equal(table["n_missed"], missed.reindex(table.index, fill_value=0))


def test_size_bias_value_is_the_mean_log_ratio_of_the_window(program_evidence) -> None:
    view, timeline, evidence = program_evidence
    rule = SizeBiasRule(window_gold_items=4, min_pairs=1)
    values = size_bias_evaluations(evidence, rule).set_index("row")["value"]
    on_gold = view.annotations[view.annotations["item_id"].isin(view.gold_item_ids)]
    agnostic = compare_to_gold(
        view.gold, on_gold, 0.5, class_aware=False, assignments=_honeypot_assignments(view)
    )
    pairs = agnostic.match.pairs
    gold_area = (view.gold["w"] * view.gold["h"]).to_numpy()[pairs["gold_row"].to_numpy()]
    ann_area = (on_gold["w"] * on_gold["h"]).to_numpy()[pairs["ann_row"].to_numpy()]
    pairs = pairs.assign(log_ratio=np.log(ann_area / gold_area))
    honeypots = evidence.table
    for annotator in (1, 2, 10):
        mine = honeypots[honeypots["annotator_id"] == annotator].iloc[5:9]
        items = timeline.tasks.loc[mine["row"], "item_id"]
        window = pairs[(pairs["annotator_id"] == annotator) & pairs["item_id"].isin(items)]
        assert values.loc[mine["row"].iloc[-1]] == pytest.approx(window["log_ratio"].mean())


def _view(rows: list[tuple[int, int, int, bool]], boxes: pd.DataFrame, gold: pd.DataFrame):
    """rows: (annotator, seq, item, is_gold); boxes/gold: canonical frames."""
    tasks = pd.DataFrame(rows, columns=["annotator_id", "seq_index", "item_id", "is_gold"])
    tasks["task_id"] = np.arange(1, len(tasks) + 1)
    tasks["started_at"] = START + pd.to_timedelta(
        tasks["seq_index"] * 60 + tasks["annotator_id"], unit="s"
    )
    return ServiceView(tasks=tasks, annotations=boxes, gold=gold)


def _grid_gold(item: int, classes: list[int], side: float = 40.0) -> pd.DataFrame:
    x = np.arange(len(classes)) * 100.0
    return pd.DataFrame(
        {"item_id": item, "class_id": classes, "x": x, "y": 10.0, "w": side, "h": side}
    )


def test_confusion_counts_swaps_of_a_pair_against_the_team() -> None:
    # Items 1-3 are honeypots with 4 objects each: classes 0, 1, 0, 1 (40 x 40 px).
    gold = pd.concat([_grid_gold(item, [0, 1, 0, 1]) for item in (1, 2, 3)], ignore_index=True)
    swapper = gold.assign(annotator_id=7, class_id=1 - gold["class_id"])  # swaps every object
    faithful = gold.assign(annotator_id=8)
    rows = [(a, s, s + 1, True) for a in (7, 8) for s in range(3)]
    view = _view(rows, pd.concat([swapper, faithful], ignore_index=True), gold)
    evidence = gold_evidence(view, build_timeline(view), 0.5, 1024.0)
    assert evidence.pairs == ((0, 1),)
    np.testing.assert_array_equal(evidence.pair_matches[:, 0], 4.0)
    np.testing.assert_array_equal(evidence.pair_swaps[:, 0], [4, 4, 4, 0, 0, 0])
    rule = ConfusionRule(min_matches=8, window_gold_items=2, min_team_matches=4)
    result = confusion_evaluations(evidence, rule)
    by_row = result.set_index("row")
    # Annotator 7 (rows 0-2): 8 of 8 swapped; the team (annotator 8) swaps none.
    assert np.isnan(by_row.loc[0, "value"])  # 4 matches < min_matches
    assert by_row.loc[1, "fired"] and by_row.loc[2, "fired"]
    assert not by_row.loc[[3, 4, 5], "fired"].any()
    assert by_row.loc[1, "detail"] == "classes 0<->1"


def test_missing_recall_on_small_objects_and_accuracy_cusum() -> None:
    # Each honeypot: 2 small (20 x 20) and 2 large (60 x 60) objects of class 0.
    def honeypot(item: int) -> pd.DataFrame:
        small = _grid_gold(item, [0, 0], side=20.0)
        large = _grid_gold(item, [0, 0], side=60.0).assign(x=[300.0, 400.0])
        return pd.concat([small, large], ignore_index=True)

    gold = pd.concat([honeypot(item) for item in range(1, 9)], ignore_index=True)
    misser = gold[gold["w"] > 30].assign(annotator_id=3)  # draws only the large objects
    rows = [(3, s, s + 1, True) for s in range(8)]
    view = _view(rows, misser, gold)
    evidence = gold_evidence(view, build_timeline(view), 0.5, 1024.0)
    np.testing.assert_array_equal(evidence.table["n_small"], 2.0)
    np.testing.assert_array_equal(evidence.table["n_small_missed"], 2.0)
    missing = missing_evaluations(evidence, MissingRule(min_small=6, min_objects=1000))
    assert missing["fired"].tolist() == [False, False, True, True, True, True, True, True]
    assert missing.loc[2, "detail"] == "recall on small objects"
    # Accuracy 2/4 = 0.5 per honeypot; target 0.8, sigma = 2 * 0.4 per outcome, n = 4:
    # each honeypot adds (0.8 - 0.5) / (0.8 / 2) - k = 0.75 - 0.5 = 0.25 to C-.
    accuracy = gold_accuracy_evaluations(evidence, GoldAccuracyRule(h=1.1))
    np.testing.assert_allclose(accuracy["value"], 0.25 * np.arange(1, 9))
    assert accuracy["fired"].tolist() == [False] * 4 + [True] * 4
