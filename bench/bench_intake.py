"""Benchmarks of labelqc.intake: near-duplicate search, batch screening, risk-based plans.

Run: PYTHONPATH=src .venv/bin/python bench/bench_intake.py [--large]
Each line prints labelqc's figure next to the peer's (a brute-force or exhaustive baseline
computed in the same run) and checks that both give the same answer.
"""

from __future__ import annotations

import argparse
import resource
import time

import cv2
import numpy as np
from scipy import stats
from skimage import data

from labelqc.intake import near_duplicate_pairs, plan_for_risks, screen_batch


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def planted_hashes(count: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 2**64 - 1, count, dtype=np.uint64)
    copies = base[rng.integers(0, count, count // 10)].copy()
    for _ in range(4):
        flip = rng.integers(0, 64, copies.size).astype(np.uint64)
        copies ^= (np.uint64(1) << flip) * (rng.random(copies.size) < 0.7)
    return np.concatenate([base, copies])


def bench_near_duplicates(sizes: list[int], brute_limit: int) -> None:
    print("near-duplicate pairs (64-bit hashes, 10% planted copies, max distance 8)")
    for count in sizes:
        hashes = planted_hashes(count)
        indexed, t_index = timed(near_duplicate_pairs, hashes, 8, method="multi_index")
        line = f"  N={hashes.size:>9,}  multi-index {t_index:7.2f} s  pairs {indexed[0].size:,}"
        if hashes.size <= brute_limit:
            brute, t_brute = timed(near_duplicate_pairs, hashes, 8, method="brute")
            same = all(np.array_equal(a, b) for a, b in zip(brute, indexed, strict=True))
            line += f"  | brute force {t_brute:7.2f} s  same pairs: {same}"
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{line}  (peak RSS {peak:,.0f} MiB)")


def bench_screening(n_images: int) -> None:
    names = ["astronaut", "camera", "coffee", "chelsea", "rocket", "coins", "brick", "gravel"]
    photos = [getattr(data, name)() for name in names]
    batch = []
    for k in range(n_images):
        image = photos[k % len(photos)]
        bgr = image if image.ndim == 2 else image[:, :, ::-1]
        batch.append((k, cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()))
    _, t_decode = timed(lambda: [cv2.imdecode(np.frombuffer(b, np.uint8), 1) for _, b in batch])
    frame, t_screen = timed(screen_batch, batch)
    print(
        f"screen_batch: {n_images} JPEGs (300-640 px)  {n_images / t_screen:6.1f} images/s"
        f"  | decode only (cv2.imdecode) {n_images / t_decode:6.1f} images/s"
        f"  | kept {int(frame['keep'].sum())} of {n_images}"
    )


def exhaustive_plan(lot: int, d_aql: int, d_ltpd: int) -> tuple[int, int]:
    for n in range(1, lot + 1):
        c = np.arange(n)
        ok = (stats.hypergeom.cdf(c, lot, d_aql, n) >= 0.95) & (
            stats.hypergeom.cdf(c, lot, d_ltpd, n) <= 0.10
        )
        if ok.any():
            return n, int(c[ok][0])
    raise AssertionError


def bench_plans() -> None:
    plan, t_plan = timed(plan_for_risks, 2000, 1.0, 5.0)
    best, t_scan = timed(exhaustive_plan, 2000, 20, 100)
    print(
        f"plan_for_risks(N=2000, AQL 1%, LTPD 5%): {t_plan * 1000:6.1f} ms -> "
        f"n={plan.sample_size}, c={plan.accept_number}  | exhaustive scan {t_scan * 1000:7.1f} ms"
        f" -> n={best[0]}, c={best[1]}"
    )
    plan, t_plan = timed(plan_for_risks, 1_000_000, 0.65, 1.0)
    print(
        f"plan_for_risks(N=1e6, AQL 0.65%, LTPD 1%): {t_plan * 1000:6.1f} ms -> "
        f"n={plan.sample_size}, c={plan.accept_number}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--large", action="store_true", help="add 200k and 1M hashes")
    args = parser.parse_args()
    sizes = [5_000, 20_000, 50_000] + ([200_000, 1_000_000] if args.large else [])
    bench_near_duplicates(sizes, brute_limit=60_000)
    bench_screening(200)
    bench_plans()


if __name__ == "__main__":
    main()
