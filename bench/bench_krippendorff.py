"""Krippendorff's alpha: labelqc vs the `krippendorff` package on the same data, one run.

Default: 1,000,000 units x 5 coders, 7-point ratings, 10% missing, levels interval and nominal.
Prints both timings (best of --repeats), the speed-up and the max absolute difference.

    PYTHONPATH=src python bench/bench_krippendorff.py           # full run
    PYTHONPATH=src python bench/bench_krippendorff.py --quick   # 20,000 units, seconds
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable
from importlib.metadata import version

import krippendorff
import numpy as np

from labelqc.agreement import krippendorff_alpha

SPEEDUP_TARGET = 5.0
TOLERANCE = 1e-9


def make_ratings(units: int, coders: int, missing: float, seed: int) -> np.ndarray:
    """Coders x units ratings on a 1..7 scale: a true score plus coder noise, some missing."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 8, size=units)
    noise = rng.integers(-1, 2, size=(coders, units)) * (rng.random((coders, units)) < 0.35)
    ratings = np.clip(truth + noise, 1, 7).astype(np.float64)
    ratings[rng.random(ratings.shape) < missing] = np.nan
    return ratings


def best_time(function: Callable[[], float], repeats: int) -> tuple[float, float]:
    """(fastest wall time in seconds, result) over ``repeats`` calls."""
    timings = []
    result = float("nan")
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - start)
    return min(timings), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 units instead of 1,000,000")
    parser.add_argument("--units", type=int, default=None)
    parser.add_argument("--coders", type=int, default=5)
    parser.add_argument("--missing", type=float, default=0.10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--levels", default="interval,nominal")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    units = args.units or (20_000 if args.quick else 1_000_000)
    ratings = make_ratings(units, args.coders, args.missing, args.seed)
    print(
        f"krippendorff alpha: {units:,} units x {args.coders} coders, "
        f"{args.missing:.0%} missing, best of {args.repeats} "
        f"(python {platform.python_version()}, numpy {np.__version__}, "
        f"krippendorff {version('krippendorff')})"
    )
    print(
        f"{'level':<10}{'labelqc s':>12}{'package s':>12}{'speed-up':>10}{'max |diff|':>14}  ok"
        f"{'general path s':>18}"
    )
    domain = np.unique(ratings[~np.isnan(ratings)])
    all_ok = True
    for level in args.levels.split(","):
        ours_s, ours = best_time(
            lambda level=level: krippendorff_alpha(ratings, level), args.repeats
        )
        theirs_s, theirs = best_time(
            lambda level=level: float(
                krippendorff.alpha(reliability_data=ratings, level_of_measurement=level)
            ),
            args.repeats,
        )
        # value_domain bypasses the signature fast path: the general long-form construction.
        general_s, general = best_time(
            lambda level=level: krippendorff_alpha(ratings, level, value_domain=domain),
            args.repeats,
        )
        speedup = theirs_s / ours_s
        difference = max(abs(ours - theirs), abs(general - theirs))
        ok = speedup >= SPEEDUP_TARGET and difference <= TOLERANCE
        all_ok &= ok
        print(
            f"{level:<10}{ours_s:>12.3f}{theirs_s:>12.3f}{speedup:>9.1f}x{difference:>14.2e}  "
            f"{'yes' if ok else 'NO '}{general_s:>18.3f}   (alpha {ours:.6f})"
        )
    print(
        f"targets: speed-up >= {SPEEDUP_TARGET:g}x, max |diff| <= {TOLERANCE:g}: "
        f"{'met' if all_ok else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
