"""Time a simulated program: `PYTHONPATH=src python bench/bench_simulator.py --items 200000`.

Prints the frame sizes and the wall-clock and CPU seconds of simulate_program on a scaled_spec
(synthetic ground truth), so the figure in docs/simulator.md can be reproduced; `--drafts` adds
the detector (DetectorSpec()) whose drafts the annotators keep or redraw.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from labelqc.simulate.detector import DetectorSpec
from labelqc.simulate.program import simulate_program
from labelqc.simulate.spec import scaled_spec


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run one timed simulation (after a small warm-up) and print figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--annotators", type=int, default=60)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--drafts", action="store_true", help="with a detector's drafts")
    args = parser.parse_args(argv)
    spec = scaled_spec(args.items, n_annotators=args.annotators, seed=args.seed, n_days=args.days)
    if args.drafts:
        spec = replace(spec, detector=DetectorSpec())
    simulate_program(scaled_spec(2_000, n_annotators=args.annotators))  # imports, caches
    walls, cpus = [], []
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        program = simulate_program(spec)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    sizes = ", ".join(
        f"{name} {len(getattr(program, name)):,}"
        for name in ("items", "truth", "tasks", "annotations", "reviews", "faults", "drafts")
    )
    print(f"simulate_program({args.items:,} items, {args.annotators} annotators): {sizes}")
    print(f"wall s: best {min(walls):.2f}  all {[round(w, 2) for w in walls]}")
    print(f"cpu s:  best {min(cpus):.2f}  all {[round(c, 2) for c in cpus]}")


if __name__ == "__main__":
    main()
