"""Agreement evidence and signals: comparisons worked by hand, per-class alpha against the
krippendorff package (oracle), and the peer rule on constructed comparison streams."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest

from labelqc.catch import ClassAmbiguityRule, IaaRule
from labelqc.catch.iaa_evidence import IaaEvidence, iaa_evidence
from labelqc.catch.iaa_signals import class_evaluations, iaa_evaluations
from labelqc.catch.timeline import build_timeline
from labelqc.catch.view import ServiceView

START = pd.Timestamp("2024-03-04 09:00", tz="UTC")


def _tasks(rows: list[tuple[int, int, int]], is_gold: bool = False) -> pd.DataFrame:
    """rows: (annotator, seq, item); each task starts seq minutes + annotator seconds in."""
    tasks = pd.DataFrame(rows, columns=["annotator_id", "seq_index", "item_id"])
    tasks["is_gold"] = is_gold
    tasks["task_id"] = np.arange(1, len(tasks) + 1)
    offset = tasks["seq_index"] * 60 + tasks["annotator_id"]
    tasks["started_at"] = START + pd.to_timedelta(offset, unit="s")
    return tasks


def _box(item: int, annotator: int, class_id: int, x: float) -> dict[str, float]:
    return {
        "item_id": item,
        "annotator_id": annotator,
        "class_id": class_id,
        "x": x,
        "y": 0.0,
        "w": 50.0,
        "h": 50.0,
    }


def test_comparisons_on_one_item_worked_by_hand() -> None:
    # Item 1, annotators 1, 2, 3. Objects at x = 0, 100, 200, 300:
    #   x=0:   1 -> class 0, 2 -> class 0, 3 -> class 0   (all agree)
    #   x=100: 1 -> class 1, 2 -> class 2, 3 -> nothing   (1-2 differ, 1-3 and 2-3 absent)
    #   x=200: 1 -> class 1 only                          (1-2, 1-3 absent; 2-3 skip)
    #   x=300: nobody                                     (no comparison)
    boxes = pd.DataFrame(
        [
            _box(1, 1, 0, 0),
            _box(1, 2, 0, 0),
            _box(1, 3, 0, 0),
            _box(1, 1, 1, 100),
            _box(1, 2, 2, 100),
            _box(1, 1, 1, 200),
        ]
    )
    tasks = _tasks([(1, 0, 1), (2, 0, 1), (3, 0, 1)])
    view = ServiceView(tasks=tasks, annotations=boxes, gold=boxes.iloc[0:0])
    evidence = iaa_evidence(view, build_timeline(view), 0.5)
    sides = evidence.sides.groupby("annotator_id")[["n", "d"]].sum()
    # Pair 1-2: 3 objects (x=0 agree, x=100 differ, x=200 absent) -> n 3, d 2
    # Pair 1-3: 3 objects (agree, absent, absent) -> n 3, d 2; pair 2-3: 2 objects -> n 2, d 1
    assert sides.loc[1].tolist() == [6.0, 4.0]
    assert sides.loc[2].tolist() == [5.0, 3.0]
    assert sides.loc[3].tolist() == [5.0, 3.0]
    # Comparisons are known when the later task of the pair starts: annotator 3 starts 2 s
    # after the program's first task (annotator 1's).
    known = evidence.sides.set_index("annotator_id")["time_ms"]
    assert known.loc[3].tolist() == [2000, 2000]
    assert sorted(known.loc[1].tolist()) == [1000, 2000]


def test_honeypots_and_single_annotator_items_make_no_comparison() -> None:
    boxes = pd.DataFrame([_box(1, 1, 0, 0), _box(1, 2, 1, 0), _box(2, 1, 0, 0)])
    tasks = pd.concat(
        [_tasks([(1, 0, 1), (2, 0, 1)], is_gold=True), _tasks([(1, 1, 2)])], ignore_index=True
    )
    gold = pd.DataFrame([{k: v for k, v in _box(1, -1, 0, 0).items() if k != "annotator_id"}])
    view = ServiceView(tasks=tasks, annotations=boxes, gold=gold)
    evidence = iaa_evidence(view, build_timeline(view), 0.5)
    assert evidence.sides.empty
    # The honeypot labelled by two annotators still carries class values (no truth read).
    assert evidence.drawn["is_gold"].all()
    assert sorted(evidence.drawn["class_id"]) == [0, 1]
    assert evidence.drawn["unit"].nunique() == 1


@pytest.mark.parametrize("seed", [0, 1])
def test_per_class_alpha_matches_the_krippendorff_package(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_units, n_coders, n_classes = 120, 5, 4
    truth = rng.integers(0, n_classes, n_units)
    values = np.where(
        rng.random((n_coders, n_units)) < 0.75, truth, rng.integers(0, 4, (n_coders, n_units))
    )
    drawn_mask = rng.random((n_coders, n_units)) < 0.6
    coder, unit = np.nonzero(drawn_mask)
    drawn = pd.DataFrame(
        {"unit": unit, "annotator_id": coder, "class_id": values[coder, unit], "time_ms": unit}
    )
    evidence = IaaEvidence(sides=pd.DataFrame(), drawn=drawn, item_done_ms=np.arange(n_units))
    rule = ClassAmbiguityRule(min_values=1, check_every_items=n_units)
    result = class_evaluations(evidence, build_timeline_stub(), rule).set_index("class_id")
    for class_id in range(n_classes):
        recoded = np.where(drawn_mask, (values == class_id).astype(float), np.nan)
        expected = krippendorff.alpha(recoded, level_of_measurement="nominal")
        assert result.loc[class_id, "value"] == pytest.approx(expected, abs=1e-9)
        assert result.loc[class_id, "fired"] == (expected < rule.floor)


def build_timeline_stub():
    """class_evaluations reads the timeline only for its origin; any timeline will do."""
    tasks = _tasks([(1, 0, 1)])
    view = ServiceView(
        tasks=tasks,
        annotations=pd.DataFrame([_box(1, 1, 0, 0)]),
        gold=pd.DataFrame(columns=["item_id", "class_id", "x", "y", "w", "h"]),
    )
    return build_timeline(view)


def _round_robin_sides(timeline, rng: np.random.Generator, noisy: int) -> pd.DataFrame:
    """At each queue step the annotators are paired at random; each pair's cluster holds 10
    comparisons, disagreeing with probability 0.1 (0.5 when ``noisy`` is in the pair), known
    when the later task starts. Both sides of each cluster are listed, as iaa_evidence does."""
    tasks = timeline.tasks
    rows = []
    for step in range(int(tasks["seq_index"].max()) + 1):
        at_step = tasks[tasks["seq_index"] == step]
        order = rng.permutation(at_step.index.to_numpy())
        for first, second in zip(order[0::2], order[1::2], strict=False):
            a, b = int(tasks.at[first, "annotator_id"]), int(tasks.at[second, "annotator_id"])
            p = 0.5 if noisy in (a, b) else 0.1
            d = float(rng.binomial(10, p))
            known = int(max(timeline.time_ms[first], timeline.time_ms[second]))
            rows.append((a, b, first, known, 10.0, d))
            rows.append((b, a, second, known, 10.0, d))
    sides = pd.DataFrame(rows, columns=["annotator_id", "partner_id", "row", "time_ms", "n", "d"])
    return sides.sort_values(["annotator_id", "time_ms"], kind="stable").reset_index(drop=True)


def _naive_excess(sides: pd.DataFrame, timeline, rule: IaaRule) -> np.ndarray:
    """The rule as a plain loop: per timeline row, residuals of the clusters known during the
    annotator's last ``window_items`` items against partners' leave-this-cluster-out rates."""
    tasks = timeline.tasks
    values = np.full(len(tasks), np.nan)
    for row in range(len(tasks)):
        annotator = tasks.at[row, "annotator_id"]
        now = timeline.time_ms[row]
        earlier = row - rule.window_items
        since = timeline.time_ms[earlier] if earlier >= timeline.first_row[row] else -1
        mine = sides[(sides["annotator_id"] == annotator) & (sides["time_ms"] > since)]
        mine = mine[mine["time_ms"] <= now]
        used = residual = 0.0
        for cluster in mine.itertuples():
            partner = sides[(sides["annotator_id"] == cluster.partner_id)]
            partner = partner[partner["time_ms"] <= cluster.time_ms]
            partner_n = partner["n"].sum() - cluster.n
            if partner_n < rule.min_partner_comparisons:
                continue
            rate = (partner["d"].sum() - cluster.d) / partner_n
            used += cluster.n
            residual += cluster.d - cluster.n * rate
        if used >= rule.min_comparisons:
            values[row] = residual / used
    return values


def test_excess_disagreement_matches_a_plain_loop_and_finds_the_noisy_annotator() -> None:
    annotators, n_tasks = range(1, 7), 40
    tasks = _tasks([(a, s, 1000 * a + s) for a in annotators for s in range(n_tasks)])
    view = ServiceView(
        tasks=tasks,
        annotations=pd.DataFrame([_box(1, 1, 0, 0)]),
        gold=pd.DataFrame(columns=["item_id", "class_id", "x", "y", "w", "h"]),
    )
    timeline = build_timeline(view)
    sides = _round_robin_sides(timeline, np.random.default_rng(5), noisy=6)
    evidence = IaaEvidence(sides=sides, drawn=pd.DataFrame(), item_done_ms=np.zeros(0))
    rule = IaaRule(min_comparisons=60, min_partner_comparisons=30, window_items=12)
    result = iaa_evaluations(evidence, timeline, rule)
    np.testing.assert_allclose(
        result["value"].to_numpy(), _naive_excess(sides, timeline, rule), atol=1e-12
    )
    annotator = timeline.tasks["annotator_id"].to_numpy()
    assert not result["fired"].to_numpy()[annotator != 6].any()
    assert result["fired"].to_numpy()[annotator == 6][-10:].all()
    # Noisy annotator: disagreement 0.5 against partners whose own rate is about 0.18.
    assert result["value"].to_numpy()[annotator == 6][-1] == pytest.approx(0.32, abs=0.1)
