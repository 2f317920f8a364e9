"""Active-learning learning curves on scikit-learn's digits, next to scikit-activeml.

Setup (fixed): load_digits, pixels scaled to [0, 1] (x / 16), a stratified 70/30 train/test
split (random_state = --split-seed, 0 by default), LogisticRegression(max_iter=1000), 20 random
seed labels per seed, batches of 10, up to --budget labels. Every strategy starts from the same
seed labels for a given seed. Reports, per strategy, the labels needed to reach 95% test accuracy
(median over seeds; a seed that never gets there counts as "more than the budget"), then the
hybrid's mean accuracy next to scikit-activeml's UncertaintySampling(margin_sampling) with the same
model at every budget, measured in this run.

Selection never sees test labels; the hybrid's defaults were chosen on development data, first
other splits (--split-seed 1 --seed-offset 100 --seeds 20), then re-checked on dev pools carved
from this split's pool without its test set (--dev-carve 1..6 --seed-offset 100*c --seeds 30
--budget 500); see docs/bench-active.md.

A second, short section times k-center greedy (our DiversitySampling) against scikit-activeml's
CoreSet on a synthetic pool (--speed-items x 64 features, batch 50); both pick the same items.
BLAS is pinned to one thread: the fits are far too small to gain from threads on a shared machine.

    PYTHONPATH=src .venv/bin/python bench/bench_active_learning.py [--seeds 30]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import stats
from skactiveml.classifier import SklearnClassifier
from skactiveml.pool import CoreSet
from skactiveml.pool import UncertaintySampling as SkUncertaintySampling
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from labelqc.active import (
    DiversitySampling,
    HybridSampling,
    LearningCurve,
    QueryStrategy,
    RandomSampling,
    UncertaintySampling,
    labels_to_reach,
    median_labels_to_reach,
    random_initial_indices,
    simulate_learning_curve,
)

# DESIGN.md reference (median of 10 seeds, labels to reach 95% test accuracy).
REFERENCE_LABELS = {"margin": 180, "least_confidence": 190, "entropy": 225, "random": 425}
SKACTIVEML_NAME = "skactiveml_margin"
N_CLASSES = 10
ROUND_OFF = 1e-9


def make_model() -> LogisticRegression:
    return LogisticRegression(max_iter=1000)


def strategies() -> list[QueryStrategy]:
    return [
        RandomSampling(),
        UncertaintySampling("least_confidence"),
        UncertaintySampling("margin"),
        UncertaintySampling("entropy"),
        DiversitySampling(),
        HybridSampling(),
    ]


def load_split(split_seed: int, dev_carve: int | None = None) -> tuple[NDArray[np.float64], ...]:
    """(pool_x, pool_y, test_x, test_y) of the 70/30 split with `split_seed`.

    dev_carve: a development split for tuning instead, carved from that split's pool only
    (stratified 75/25 into a dev pool and a dev test set with random_state=dev_carve), so the
    split's test images are never used.
    """
    features, labels = load_digits(return_X_y=True)
    pool_x, test_x, pool_y, test_y = train_test_split(
        features / 16.0, labels, test_size=0.3, random_state=split_seed, stratify=labels
    )
    if dev_carve is not None:
        pool_x, test_x, pool_y, test_y = train_test_split(
            pool_x, pool_y, test_size=0.25, random_state=dev_carve, stratify=pool_y
        )
    return pool_x, pool_y, test_x, test_y


def skactiveml_margin_curve(
    pool_x: NDArray[np.float64],
    pool_y: NDArray[np.int64],
    test_x: NDArray[np.float64],
    test_y: NDArray[np.int64],
    initial: NDArray[np.int64],
    batch_size: int,
    budget: int,
    seed: int,
) -> LearningCurve:
    """The peer: scikit-activeml's margin sampling loop with the same model and seed labels."""
    observed = np.full(pool_y.shape[0], -1, dtype=np.int64)
    observed[initial] = pool_y[initial]
    query = SkUncertaintySampling(method="margin_sampling", missing_label=-1, random_state=seed)
    n_labels: list[int] = []
    accuracy: list[float] = []
    while True:
        model = SklearnClassifier(
            make_model(), classes=np.arange(N_CLASSES), missing_label=-1, random_state=seed
        ).fit(pool_x, observed)
        n_labels.append(int((observed != -1).sum()))
        accuracy.append(float(np.mean(model.predict(test_x) == test_y)))
        step = min(batch_size, budget - n_labels[-1], int((observed == -1).sum()))
        if step <= 0:
            break
        picks = query.query(pool_x, observed, clf=model, fit_clf=False, batch_size=step)
        observed[picks] = pool_y[picks]
    return LearningCurve(
        SKACTIVEML_NAME, seed, np.asarray(n_labels), np.asarray(accuracy, dtype=np.float64)
    )


def run(args: argparse.Namespace) -> dict[str, list[LearningCurve]]:
    pool_x, pool_y, test_x, test_y = load_split(args.split_seed, args.dev_carve)
    seeds = range(args.seed_offset, args.seed_offset + args.seeds)
    curves: dict[str, list[LearningCurve]] = {}
    seconds: dict[str, float] = {}
    runners: list[tuple[str, Callable[[NDArray[np.int64], int], LearningCurve]]] = [
        (
            strategy.name,
            lambda initial, seed, strategy=strategy: simulate_learning_curve(
                pool_x,
                pool_y,
                test_x,
                test_y,
                make_model,
                strategy,
                initial_indices=initial,
                batch_size=args.batch_size,
                budget=args.budget,
                seed=seed,
                classes=range(N_CLASSES),
            ),
        )
        for strategy in strategies()
    ]
    runners.append(
        (
            SKACTIVEML_NAME,
            lambda initial, seed: skactiveml_margin_curve(
                pool_x, pool_y, test_x, test_y, initial, args.batch_size, args.budget, seed
            ),
        )
    )
    for seed in seeds:
        initial = random_initial_indices(pool_x.shape[0], args.initial, seed)
        for name, runner in runners:
            started = time.perf_counter()
            curves.setdefault(name, []).append(runner(initial, seed))
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
        print(f"seed {seed} done", flush=True)
    print(
        f"\ndigits: pool {pool_x.shape[0]}, test {test_x.shape[0]}, split_seed {args.split_seed}"
        f"{'' if args.dev_carve is None else f', dev carve {args.dev_carve}'}, "
        f"seeds {seeds.start}..{seeds.stop - 1}, {args.initial} seed labels, batch "
        f"{args.batch_size}, budget {args.budget}\n"
    )
    print_labels_to_target(curves, seconds, args.target, args.budget)
    print_hybrid_vs_peer(curves)
    return curves


def print_labels_to_target(
    curves: dict[str, list[LearningCurve]], seconds: dict[str, float], target: float, budget: int
) -> None:
    print(f"labels to reach {target:.0%} test accuracy (median over seeds; '>' = not reached)")
    print(f"{'strategy':<18}{'median':>8}{'reference':>10}{'wall s':>8}  per seed")
    for name, runs in curves.items():
        median = median_labels_to_reach(runs, target)
        per_seed = [labels_to_reach(curve, target) for curve in runs]
        shown = " ".join(f">{budget}" if value is None else str(value) for value in per_seed)
        median_text = f">{budget}" if median is None else f"{median:g}"
        reference = REFERENCE_LABELS.get(name)
        print(
            f"{name:<18}{median_text:>8}{reference if reference else '-':>10}"
            f"{seconds[name]:>8.1f}  {shown}"
        )


def mean_curve(runs: list[LearningCurve]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    length = min(curve.accuracy.size for curve in runs)
    stacked = np.stack([curve.accuracy[:length] for curve in runs])
    return runs[0].n_labels[:length], stacked


def print_hybrid_vs_peer(curves: dict[str, list[LearningCurve]]) -> None:
    budgets, hybrid = mean_curve(curves["hybrid"])
    _, peer = mean_curve(curves[SKACTIVEML_NAME])
    _, ours_margin = mean_curve(curves["margin"])
    length = min(hybrid.shape[1], peer.shape[1])
    budgets, hybrid, peer = budgets[:length], hybrid[:, :length], peer[:, :length]
    difference = hybrid - peer
    mean_difference = difference.mean(axis=0)
    # Paired over seeds; a constant difference (e.g. the shared seed-label model) gets p = 1.
    p_values = np.ones(length)
    varies = difference.std(axis=0) > 0
    if difference.shape[0] > 1 and varies.any():
        p_values[varies] = stats.ttest_rel(hybrid[:, varies], peer[:, varies], axis=0).pvalue
    print("\nmean test accuracy (%) per budget: hybrid vs scikit-activeml margin (same model)")
    print(f"{'labels':>7}{'hybrid':>9}{'skal-margin':>12}{'our margin':>11}{'diff':>8}{'p':>7}")
    for column in range(length):
        print(
            f"{budgets[column]:>7}{hybrid[:, column].mean() * 100:>9.2f}"
            f"{peer[:, column].mean() * 100:>12.2f}{ours_margin[:, column].mean() * 100:>11.2f}"
            f"{mean_difference[column] * 100:>+8.2f}{p_values[column]:>7.2f}"
        )
    # Means of equal accuracies can differ by float round-off (~1e-17): that is a tie.
    below = mean_difference < -ROUND_OFF
    above = mean_difference > ROUND_OFF
    print(
        f"\nhybrid vs scikit-activeml margin over {length} budgets: above at {int(above.sum())}, "
        f"equal at {int(length - above.sum() - below.sum())}, below at {int(below.sum())}"
    )
    print(
        f"below with paired t-test p < 0.05: {int((below & (p_values < 0.05)).sum())}; above with "
        f"p < 0.05: {int((above & (p_values < 0.05)).sum())}; largest shortfall "
        f"{min(0.0, float(mean_difference.min())) * 100:.2f} points"
    )
    if below.any():
        shown = ", ".join(
            f"{budgets[c]} ({mean_difference[c] * 100:+.2f}, p {p_values[c]:.2f})"
            for c in np.flatnonzero(below)
        )
        print(f"below at: {shown}")
        print(f"smallest p among shortfalls: {float(p_values[below].min()):.3f}")
    for low, high in ((30, 150), (160, int(budgets[-1]))):
        window = (budgets >= low) & (budgets <= high)
        if window.any():
            print(
                f"mean gain over budgets {low}-{high}: "
                f"{float(mean_difference[window].mean()) * 100:+.2f} points"
            )
    same = np.array_equal(ours_margin[:, :length], peer)
    print(f"our margin curve identical to scikit-activeml's: {same}")


def time_k_center(
    n_items: int, n_features: int = 64, batch_size: int = 50, repeats: int = 7
) -> None:
    """Best-of-N wall time of our k-center greedy vs scikit-activeml's CoreSet, interleaved so
    both see the same background load on a shared machine."""
    rng = np.random.default_rng(0)
    points = rng.normal(size=(n_items, n_features))
    observed = np.full(n_items, np.nan)
    labeled = rng.choice(n_items, max(1, n_items // 100), replace=False)
    observed[labeled] = rng.integers(0, N_CLASSES, labeled.size)
    mask = ~np.isnan(observed)
    pickers: dict[str, Callable[[], NDArray[np.int64]]] = {
        "labelqc DiversitySampling": lambda: (
            DiversitySampling()
            .select(None, points, batch_size, mask, np.random.default_rng(0))
            .indices
        ),
        "skactiveml CoreSet": lambda: np.asarray(
            CoreSet(random_state=0).query(points, observed, batch_size=batch_size)
        ),
    }
    best = dict.fromkeys(pickers, np.inf)
    picks: dict[str, list[int]] = {}
    for _ in range(repeats):
        for name, pick in pickers.items():
            started = time.perf_counter()
            picks[name] = pick().tolist()
            best[name] = min(best[name], time.perf_counter() - started)
    print(
        f"\nk-center greedy, {n_items} items x {n_features} features, {labeled.size} labeled, "
        f"batch {batch_size} (best of {repeats}, interleaved):"
    )
    for name, seconds in best.items():
        print(f"  {name:<28}{seconds * 1000:>9.1f} ms")
    print(f"  same picks: {picks['labelqc DiversitySampling'] == picks['skactiveml CoreSet']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30, help="number of seeds (default 30)")
    parser.add_argument("--seed-offset", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--split-seed", type=int, default=0, help="train/test split seed")
    parser.add_argument(
        "--dev-carve",
        type=int,
        help="tune on a dev pool/test carved 75/25 (this random_state) from the split's pool",
    )
    parser.add_argument("--budget", type=int, default=600, help="labels to spend (default 600)")
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--initial", type=int, default=20, help="seed labels (default 20)")
    parser.add_argument("--target", type=float, default=0.95, help="test accuracy to reach")
    parser.add_argument("--json", type=Path, help="also write the curves to this file")
    parser.add_argument("--speed-items", type=int, default=20000, help="k-center timing pool")
    parser.add_argument("--speed-only", action="store_true", help="skip the learning curves")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", module="skactiveml")
    with threadpool_limits(limits=1):
        curves = {} if args.speed_only else run(args)
        time_k_center(args.speed_items)
    if args.json and curves:
        args.json.write_text(
            json.dumps(
                {
                    name: [
                        {
                            "seed": c.seed,
                            "n_labels": c.n_labels.tolist(),
                            "accuracy": c.accuracy.tolist(),
                        }
                        for c in runs
                    ]
                    for name, runs in curves.items()
                }
            )
        )


if __name__ == "__main__":
    main()
