"""Cost-model speed: vectorized labelqc.cost next to a plain per-row Python loop, one run."""

import math
import time

import numpy as np
import pandas as pd

from labelqc.cost import Rate, RateCard, actual_costs, forecast_to_finish, plan_costs, summarize


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def loop_plan(rows):
    out = []
    for r in rows:
        n, d, d_r = r["n_items"], r["defect_rate"], r["correction_error_rate"]
        p = r["rate_amount"] * r["objects_per_item"]
        q = 0.4 * p
        c = r["review_share"] * 1.0
        rho = d_r * 1.0
        corrections = n * d * c * (1 - rho**math.inf) / (1 - rho)
        escaped = n * d * (1 - c) + d_r * 0.0 * corrections
        parts = (
            n * p,
            n * c * q,
            corrections * (p + q),
            n / 1000.0 * 0.0,
            escaped * r["remediation_cost_per_escape"],
        )
        out.append((*parts, sum(parts)))
    return out


def loop_actuals(records, cards_by_vendor):
    out = []
    for r in records:
        card = cards_by_vendor[r["vendor"]]
        unit, amount = card.annotation.unit, card.annotation.amount
        if unit == "object":
            direct = amount * r["n_objects"]
        elif unit == "hour":
            direct = amount * r["annotation_seconds"] / 3600
        else:
            direct = amount
        passes = 0 if r["review_decision"] == "unreviewed" else r["rework_cycles"] + 1
        reviewer = card.reviewer
        if reviewer.unit == "hour":
            review = reviewer.amount * r["review_seconds"] / 3600
        else:
            review = reviewer.amount * passes
        first = review / passes if passes else review
        rework = r["rework_cycles"] * card.correction_effort * direct + review - first
        out.append(direct + first + rework + card.engineering_cost_per_batch / card.batch_size)
    return out


rng = np.random.default_rng(0)
n = 100_000
segments = pd.DataFrame(
    {
        "class_id": rng.integers(0, 50, n),
        "vendor": rng.choice(["crowd", "managed"], n),
        "n_items": rng.integers(100, 10_000, n).astype(float),
        "rate_unit": "object",
        "rate_amount": rng.uniform(0.02, 0.1, n),
        "objects_per_item": rng.uniform(1, 40, n),
        "defect_rate": rng.uniform(0, 0.1, n),
        "correction_error_rate": rng.uniform(0, 0.1, n),
        "review_share": rng.uniform(0.1, 1, n),
        "remediation_cost_per_escape": rng.uniform(0, 20, n),
    }
)
records = segments.to_dict("records")
ours = best_of(lambda: summarize(plan_costs(segments), "class_id"))
loop = best_of(lambda: loop_plan(records))
print(
    f"plan_costs + summarize, {n:,} segments: labelqc {ours * 1e3:.0f} ms | "
    f"per-row loop {loop * 1e3:.0f} ms"
)

rows = 1_000_000
log = pd.DataFrame(
    {
        "item_id": np.arange(rows),
        "class_id": rng.integers(0, 20, rows),
        "cohort_id": rng.integers(0, 5, rows),
        "vendor": rng.choice(["crowd", "managed"], rows),
        "review_decision": rng.choice(["approved", "edited", "rejected", "unreviewed"], rows),
        "n_objects": rng.integers(1, 40, rows),
        "annotation_seconds": rng.uniform(20, 400, rows),
        "review_seconds": rng.uniform(5, 60, rows),
        "completed_at": pd.Timestamp("2024-01-01", tz="UTC")
        + pd.to_timedelta(rng.uniform(0, 180, rows), unit="D"),
    }
)
log["rework_cycles"] = np.where(log["review_decision"] == "unreviewed", 0, rng.integers(0, 3, rows))
cards = [
    RateCard("crowd", Rate("object", 0.04), Rate("hour", 12.0), remediation_cost_per_escape=5.0),
    RateCard("managed", Rate("hour", 15.0), Rate("label", 0.05), engineering_cost_per_batch=200),
]
ours = best_of(lambda: actual_costs(log, cards), repeat=2)
costs = actual_costs(log, cards)
fc = best_of(lambda: forecast_to_finish(costs, 500_000, budget=2e6))
by = best_of(lambda: summarize(costs, ["vendor", "cohort_id", "class_id"]))
print(f"actual_costs, {rows:,} work-log rows: labelqc {ours * 1e3:.0f} ms")
print(
    f"forecast_to_finish: {fc * 1e3:.0f} ms; summarize by vendor x cohort x class: "
    f"{by * 1e3:.0f} ms"
)
subset = log.iloc[:100_000]
subset_records = subset.to_dict("records")
by_vendor = {card.vendor: card for card in cards}
ours = best_of(lambda: actual_costs(subset, cards))
loop = best_of(lambda: loop_actuals(subset_records, by_vendor))
print(f"actual_costs, 100,000 rows: labelqc {ours * 1e3:.0f} ms | per-row loop {loop * 1e3:.0f} ms")
