"""What the late budgets of the active-learning bench measure: how many test images decide them.

Replays margin sampling and the default hybrid on the bench's split (same data, model, seed
labels and batches as bench_active_learning.py; our margin picks are identical to
scikit-activeml's, which that bench checks) and keeps, at each budget asked for, every run's
per-test-image answers and labeled set. Prints per budget: each strategy's mean accuracy and its
spread over seeds, the test images whose answer differs between any two of the runs (the only
images that can move a mean), how many of those each strategy gets right on average, and how
alike the labeled sets are (Jaccard, between seeds of margin and between the two strategies from
the same seed).

    PYTHONPATH=src .venv/bin/python bench/bench_active_late_budgets.py [--seeds 30]
"""

from __future__ import annotations

import argparse
from itertools import combinations

import numpy as np
from bench_active_learning import N_CLASSES, load_split, make_model
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from labelqc.active import (
    HybridSampling,
    QueryStrategy,
    UncertaintySampling,
    random_initial_indices,
)
from labelqc.active.rounds import UNLABELED, fit_model, strategy_input

Snapshot = tuple[NDArray[np.bool_], NDArray[np.bool_]]  # (test answers right, labeled mask)


def replay(
    strategy: QueryStrategy,
    seed: int,
    data: tuple[NDArray[np.float64], ...],
    budgets: set[int],
    batch_size: int,
) -> dict[int, Snapshot]:
    pool_x, pool_y, test_x, test_y = data
    observed = np.full(pool_y.shape[0], UNLABELED, dtype=np.int64)
    start = random_initial_indices(pool_y.shape[0], 20, seed)
    observed[start] = pool_y[start]
    rng = np.random.default_rng(seed)
    snapshots: dict[int, Snapshot] = {}
    while True:
        fitted = fit_model(pool_x, observed, None, make_model, np.arange(N_CLASSES))
        labeled = observed != UNLABELED
        n_labels = int(labeled.sum())
        if n_labels in budgets:
            snapshots[n_labels] = (fitted.model.predict(test_x) == test_y, labeled.copy())
        if n_labels >= max(budgets):
            return snapshots
        step = min(batch_size, max(budgets) - n_labels)
        inputs = strategy_input(strategy, fitted, pool_x, None)
        picks = strategy.select(inputs, pool_x, step, labeled, rng).indices
        observed[picks] = pool_y[picks]


def jaccard(a: NDArray[np.bool_], b: NDArray[np.bool_]) -> float:
    return float((a & b).sum() / (a | b).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--budgets", default="150,300,360,420,480,540,600")
    parser.add_argument("--batch-size", type=int, default=10)
    args = parser.parse_args()
    budgets = sorted({int(b) for b in args.budgets.split(",")})
    data = load_split(0)
    strategies: dict[str, QueryStrategy] = {
        "margin": UncertaintySampling("margin"),
        "hybrid": HybridSampling(),
    }
    with threadpool_limits(limits=1):
        runs = {
            name: [
                replay(s, seed, data, set(budgets), args.batch_size) for seed in range(args.seeds)
            ]
            for name, s in strategies.items()
        }
    print(f"digits bench split: test {data[3].shape[0]} images, {args.seeds} seeds per strategy")
    print(
        "| labels | margin mean (sd) | hybrid mean (sd) | deciding test images | "
        "right of them: margin / hybrid | Jaccard margin-margin / margin-hybrid |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for budget in budgets:
        right = {name: np.array([r[budget][0] for r in rs]) for name, rs in runs.items()}
        every = np.concatenate(list(right.values()))
        deciding = every.min(axis=0) != every.max(axis=0)
        margin_sets = [r[budget][1] for r in runs["margin"]]
        between_seeds = np.mean([jaccard(a, b) for a, b in combinations(margin_sets, 2)])
        same_seed = np.mean(
            [jaccard(a[budget][1], b[budget][1]) for a, b in zip(*runs.values(), strict=True)]
        )
        cells = [
            f"{100 * right[name].mean():.2f} ({100 * right[name].mean(axis=1).std():.2f})"
            for name in strategies
        ]
        decided = " / ".join(
            f"{right[name][:, deciding].sum(axis=1).mean():.2f}" for name in strategies
        )
        print(
            f"| {budget} | {cells[0]} | {cells[1]} | {int(deciding.sum())} | {decided} | "
            f"{between_seeds:.2f} / {same_seed:.2f} |"
        )


if __name__ == "__main__":
    main()
