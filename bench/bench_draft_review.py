"""Time the draft review: `PYTHONPATH=src python bench/bench_draft_review.py --items 20000`.

A synthetic program: `--items` items with 5 drafts each, every 20th item gold (its gold boxes
are the drafts nudged by a few pixels, so some drafts are poor boxes), each draft reviewed by 2 of
50 annotators who keep 80% of the drafts. Prints the sizes and the best of `--repeat` wall-clock
times of labelqc.quality.review_drafts over all decisions, with and without a weekly window. No
peer library grades drafts, so there is no peer figure to print beside ours.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from labelqc.quality import review_drafts


def synthetic(
    n_items: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    items = np.repeat(np.arange(n_items), 5)
    x, y = rng.uniform(0, 500, items.size), rng.uniform(0, 500, items.size)
    drafts = pd.DataFrame(
        {"item_id": items, "class_id": rng.integers(0, 5, items.size), "x": x, "y": y}
    ).assign(w=40.0, h=30.0)
    gold_items = np.arange(0, n_items, 20)
    on_gold = np.isin(items, gold_items)
    gold = drafts[on_gold].assign(x=lambda f: f["x"] + rng.normal(0, 6, len(f)))
    reviewed = np.repeat(np.arange(items.size), 2)
    kept = rng.random(reviewed.size) < 0.8
    decisions = pd.DataFrame(
        {
            "annotator_id": rng.integers(0, 50, reviewed.size),
            "draft_id": reviewed,
            "final_class_id": np.where(kept, drafts["class_id"].to_numpy()[reviewed], -1),
            "iou": np.where(kept, 1.0, 0.0),
            "submitted_at": pd.Timestamp("2026-01-01", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 90 * 86_400, reviewed.size), unit="s"),
        }
    )
    return drafts, decisions, gold, gold_items


def best_of(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    drafts, decisions, gold, gold_items = synthetic(args.items, args.seed)
    result = review_drafts(drafts, decisions, gold, 0.5, gold_items=gold_items)
    print(
        f"{len(drafts):,} drafts ({result.totals['gold_drafts']:,} on gold, "
        f"{result.totals['wrong_gold_drafts']:,} wrong), {len(decisions):,} decisions, "
        f"{len(result.annotators)} annotators"
    )
    plain = best_of(
        args.repeat, lambda: review_drafts(drafts, decisions, gold, 0.5, gold_items=gold_items)
    )
    weekly = best_of(
        args.repeat,
        lambda: review_drafts(drafts, decisions, gold, 0.5, gold_items=gold_items, window="7D"),
    )
    print(f"review_drafts: {plain:.3f} s; with window=7D: {weekly:.3f} s (best of {args.repeat})")


if __name__ == "__main__":
    main()
