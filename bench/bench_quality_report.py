"""Benchmark: the full quality report on a synthetic project, single-process and sharded.

Synthetic project (seeded): N items x 8 gold boxes (one per cell of a 4 x 2 grid, so objects do
not overlap), 3 annotators who each jitter every box (2% of its size), miss 5%, swap the class
of 3% and draw an extra box on 3% of items; submissions are spread over 30 days, two cohorts.

Runs, in one process:
1. single: ``finalize(compute_shard(all), params)`` - wall time and peak RSS (ru_maxrss);
2. sharded: ``shard_frames(all, S)`` -> ``compute_shard`` per shard in W worker processes (as
   Celery workers would) -> ``merge`` -> ``finalize``; checks stats and report equal the single
   run exactly;
3. peers: labelqc.quality's separate calls for the gold-scoring subset (score_against_gold per
   annotator + class_confusion_matrix, each matching on its own), and the ``krippendorff``
   package's alpha on the same objects (value compared with the report's).

Usage: ``PYTHONPATH=src python bench/bench_quality_report.py [--items 200000] [--shards 8]
[--workers 2] [--no-peers]``
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from labelqc.report import (
    ReportFrames,
    ReportParams,
    ShardStats,
    compute_shard,
    finalize,
    merge,
    shard_frames,
)

N_CLASSES = 6
OBJECTS_PER_ITEM = 8
START = pd.Timestamp("2024-01-01", tz="UTC")


def synthetic_project(
    n_items: int, n_annotators: int = 3, seed: int = 0
) -> tuple[ReportFrames, pd.DataFrame]:
    """Frames of the synthetic project and its truth units (unit, annotator_id, class_id)."""
    rng = np.random.default_rng(seed)
    n = n_items * OBJECTS_PER_ITEM
    item = np.repeat(np.arange(n_items, dtype=np.int64), OBJECTS_PER_ITEM)
    cell = np.tile(np.arange(OBJECTS_PER_ITEM), n_items)
    w = rng.uniform(30, 140, n)
    h = rng.uniform(30, 200, n)
    x = (cell % 4) * 160 + rng.uniform(2, 158 - w)
    y = (cell // 4) * 240 + rng.uniform(2, 238 - h)
    truth_class = rng.integers(0, N_CLASSES, n)
    gold = pd.DataFrame(
        {
            "item_id": item,
            "annotator_id": -1,
            "class_id": truth_class,
            "x": x,
            "y": y,
            "w": w,
            "h": h,
        }
    )
    day_seconds = np.sort(rng.uniform(0, 30 * 86_400, n_items))
    parts, units = [], []
    for annotator in range(n_annotators):
        kept = rng.random(n) >= 0.05
        jitter = rng.normal(0, 0.02, (n, 4))
        drawn = np.where(rng.random(n) < 0.03, (truth_class + 1) % N_CLASSES, truth_class)
        boxes = pd.DataFrame(
            {
                "item_id": item,
                "annotator_id": annotator,
                "class_id": drawn,
                "x": x + jitter[:, 0] * w,
                "y": y + jitter[:, 1] * h,
                "w": w * np.exp(jitter[:, 2]),
                "h": h * np.exp(jitter[:, 3]),
            }
        )[kept]
        units.append(
            pd.DataFrame(
                {"unit": np.flatnonzero(kept), "annotator_id": annotator, "class_id": drawn[kept]}
            )
        )
        extra_items = np.flatnonzero(rng.random(n_items) < 0.03)
        extras = pd.DataFrame(
            {
                "item_id": extra_items,
                "annotator_id": annotator,
                "class_id": rng.integers(0, N_CLASSES, extra_items.size),
                # Outside every cell (y 480-520 on a 640 x 540 image), one slot per annotator.
                "x": 200.0 * annotator + 5,
                "y": 485.0,
                "w": 60.0,
                "h": 30.0,
            }
        )
        parts.extend([boxes, extras])
    annotations = pd.concat(parts, ignore_index=True)
    seconds = (
        day_seconds[annotations["item_id"].to_numpy()] + 60 * annotations["annotator_id"].to_numpy()
    )
    annotations["created_at"] = START + pd.to_timedelta(seconds, unit="s")
    annotations["cohort_id"] = annotations["annotator_id"] % 2
    items = pd.DataFrame(
        {"item_id": np.arange(n_items, dtype=np.int64), "width": 640, "height": 540}
    )
    return ReportFrames(items, gold, annotations), pd.concat(units, ignore_index=True)


def peak_rss_gb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


_SHARDS: list[ReportFrames] = []


def _compute_shard_worker(
    args: tuple[int, dict[str, Any]],
) -> tuple[dict[str, Any], float, float]:
    index, params = args
    cpu_start = time.process_time()
    stats = compute_shard(_SHARDS[index], ReportParams.from_dict(params))
    return stats.to_dict(), peak_rss_gb(), time.process_time() - cpu_start


def run_sharded(
    frames: ReportFrames, params: ReportParams, n_shards: int, workers: int
) -> tuple[ShardStats, float, float, float]:
    """Shard, compute each shard (in worker processes when workers > 1), merge.

    Returns (merged stats, wall s, peak worker RSS GB, CPU s summed over the shard computations).
    """
    start = time.perf_counter()
    _SHARDS[:] = shard_frames(frames, n_shards)
    jobs = [(i, params.to_dict()) for i in range(len(_SHARDS))]
    if workers > 1:
        # fork: workers inherit the shard frames; results travel as JSON-ready dicts (as Celery's).
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            results = list(pool.map(_compute_shard_worker, jobs))
    else:
        results = [_compute_shard_worker(job) for job in jobs]
    merged = merge(ShardStats.from_dict(payload) for payload, _, _ in results)
    _SHARDS.clear()
    cpu = sum(seconds for _, _, seconds in results)
    return merged, time.perf_counter() - start, max(rss for _, rss, _ in results), cpu


def run_peers(frames: ReportFrames, units: pd.DataFrame, params: ReportParams) -> dict[str, Any]:
    import krippendorff

    from labelqc.quality import class_confusion_matrix, score_against_gold

    start, cpu_start = time.perf_counter(), time.process_time()
    score_against_gold(frames.gold, frames.annotations, params.iou_threshold, by="annotator_id")
    class_confusion_matrix(frames.gold, frames.annotations, params.iou_threshold)
    quality_seconds = time.perf_counter() - start
    quality_cpu = time.process_time() - cpu_start
    start, cpu_start = time.perf_counter(), time.process_time()
    reliability = units.pivot_table(
        index="annotator_id", columns="unit", values="class_id", aggfunc="first"
    ).to_numpy(dtype=np.float64)
    alpha = krippendorff.alpha(reliability_data=reliability, level_of_measurement="nominal")
    return {
        "quality_seconds": quality_seconds,
        "quality_cpu_seconds": quality_cpu,
        "krippendorff_seconds": time.perf_counter() - start,
        "krippendorff_cpu_seconds": time.process_time() - cpu_start,
        "krippendorff_alpha": float(alpha),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    frames, units = synthetic_project(args.items, args.annotators, args.seed)
    generate_seconds = time.perf_counter() - start
    params = ReportParams()
    rss_before = peak_rss_gb()

    start, cpu_start = time.perf_counter(), time.process_time()
    single_stats = compute_shard(frames, params)
    single_report = finalize(single_stats, params).to_dict()
    single_seconds = time.perf_counter() - start
    single_cpu = time.process_time() - cpu_start
    rss_single = peak_rss_gb()

    sharded_stats, shard_seconds, worker_rss, shard_cpu = run_sharded(
        frames, params, args.shards, args.workers
    )
    start, cpu_start = time.perf_counter(), time.process_time()
    sharded_report = finalize(sharded_stats, params).to_dict()
    shard_seconds += time.perf_counter() - start
    shard_cpu += time.process_time() - cpu_start
    equal = sharded_stats.equals(single_stats) and sharded_report == single_report

    figures: dict[str, Any] = {
        "items": args.items,
        "annotators": args.annotators,
        "gold_objects": len(frames.gold),
        "annotations": len(frames.annotations),
        "generate_seconds": round(generate_seconds, 2),
        "single_seconds": round(single_seconds, 2),
        "single_cpu_seconds": round(single_cpu, 2),
        "single_peak_rss_gb": round(rss_single, 2),
        "rss_before_report_gb": round(rss_before, 2),
        "sharded_seconds": round(shard_seconds, 2),
        "sharded_cpu_seconds": round(shard_cpu, 2),
        "shards": args.shards,
        "workers": args.workers,
        "sharded_worker_peak_rss_gb": round(worker_rss, 2),
        "sharded_equals_single": equal,
        "alpha": single_report["agreement"]["alpha"],
    }
    if not args.no_peers:
        figures.update(
            {
                k: round(v, 6 if "alpha" in k else 2)
                for k, v in run_peers(frames, units, params).items()
            }
        )
    header = (
        f"synthetic project: {args.items} items x {args.annotators} annotators x "
        f"{OBJECTS_PER_ITEM} objects ({len(frames.gold)} gold, {len(frames.annotations)} annotations)"
    )
    lines = [
        header,
        f"{'run':46s} {'wall s':>8s} {'CPU s':>8s} {'peak RSS GB':>12s}",
        f"{'labelqc report, single process':46s} {single_seconds:8.2f} {single_cpu:8.2f} "
        f"{rss_single:12.2f}   (data alone {rss_before:.2f} GB)",
        f"{f'labelqc report, {args.shards} shards / {args.workers} workers + merge':46s} "
        f"{shard_seconds:8.2f} {shard_cpu:8.2f} {worker_rss:12.2f}   (CPU summed over shards; "
        "RSS per worker)",
        f"sharded == single (stats and report, exactly): {equal}",
    ]
    if not args.no_peers:
        lines += [
            f"{'peer: quality.score_against_gold + confusion':46s} "
            f"{figures['quality_seconds']:8.2f} {figures['quality_cpu_seconds']:8.2f}"
            "   (gold-scoring subset only)",
            f"{'peer: krippendorff.alpha on the same objects':46s} "
            f"{figures['krippendorff_seconds']:8.2f} {figures['krippendorff_cpu_seconds']:8.2f}"
            f"   alpha {figures['krippendorff_alpha']:.6f} vs report {figures['alpha']:.6f}",
        ]
    print("\n".join(lines))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=2)
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
