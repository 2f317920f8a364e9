"""Upper bounds of the cost model's inputs, so that every cost it computes stays a finite float.

A rate of 1e308 is a finite float, yet one label priced at it overflows to inf, and every total,
rank and JSON report built on it breaks. Each bound below is orders of magnitude above any real
labeling program, and together they keep every cost far below the float maximum (~1.8e308): a
pass over one item costs at most 1e6 x 1e5 objects = 1e11, a correction at most 101 x that; N <=
1e10 items need at most ~1e16 N corrections (d_r x recall < 1 is at most 1 - 2^-53), so one
segment costs at most about 1e39, and even a plan of a billion segments stays below 1e50.

Rate, RateCard, Segment and ``normalize_segments`` refuse a value beyond its bound with a
CostInputError naming the field; ``plan_costs`` and the scenario tools price whatever valid frame
they are given (one stored before these bounds, say) and report a total that overflows as None.
"""

from __future__ import annotations

# Money per unit of work: a label, an object or an hour, for annotation and for review.
MAX_RATE_AMOUNT = 1e6
# Downstream cost of one defect that escapes QA.
MAX_REMEDIATION_COST_PER_ESCAPE = 1e6
# Engineering overhead of one delivered batch.
MAX_ENGINEERING_COST_PER_BATCH = 1e9
# Engineering overhead per item (engineering_cost_per_batch / batch_size): a per-unit price too,
# so a tiny batch_size cannot blow the overhead up to inf.
MAX_ENGINEERING_COST_PER_ITEM = MAX_RATE_AMOUNT
# Cost of one correction as a multiple of the item's direct cost (1 = paid like the label).
MAX_CORRECTION_EFFORT = 100.0
# Items (labels) of a segment, items of a batch, labels still to be accepted in a forecast.
MAX_ITEMS = 1e10
MAX_OBJECTS_PER_ITEM = 1e5
# Annotation or review hours spent on one item.
MAX_HOURS_PER_ITEM = 1e4
# A budget (total or per period), in currency units; the service checks it (the model only
# compares costs with it, which cannot overflow).
MAX_BUDGET_AMOUNT = 1e15

# Upper bound of each numeric segment / rate card input that has one (other inputs are shares or
# rates in [0, 1], or max_cycles, which only limits the series).
INPUT_LIMITS: dict[str, float] = {
    "n_items": MAX_ITEMS,
    "rate_amount": MAX_RATE_AMOUNT,
    "reviewer_rate_amount": MAX_RATE_AMOUNT,
    "objects_per_item": MAX_OBJECTS_PER_ITEM,
    "annotation_hours_per_item": MAX_HOURS_PER_ITEM,
    "review_hours_per_item": MAX_HOURS_PER_ITEM,
    "correction_effort": MAX_CORRECTION_EFFORT,
    "engineering_cost_per_batch": MAX_ENGINEERING_COST_PER_BATCH,
    "batch_size": MAX_ITEMS,
    "remediation_cost_per_escape": MAX_REMEDIATION_COST_PER_ESCAPE,
}
