"""Column names shared by the planning and actuals cost frames."""

from __future__ import annotations

# Cost components in waterfall order: (step name, label, column in a cost frame).
WATERFALL_STEPS: tuple[tuple[str, str, str], ...] = (
    ("direct", "Direct annotation", "direct_cost"),
    ("review", "QA / review", "review_cost"),
    ("rework", "Rework (corrections + re-review)", "rework_cost"),
    ("engineering", "Engineering overhead", "engineering_cost"),
    ("remediation", "Downstream remediation", "remediation_cost"),
)
COST_COMPONENTS: tuple[str, ...] = tuple(column for _, _, column in WATERFALL_STEPS)

# Every cost frame (plan_costs, actual_costs) carries these numeric columns.
COST_FRAME_COLUMNS: tuple[str, ...] = (
    *COST_COMPONENTS,
    "total_cost",
    "accepted_labels",
    "corrections",
    "escaped_defects",
)

# Grouping keys the reports understand; any other pass-through column works too.
GROUP_KEYS: tuple[str, ...] = ("class_id", "cohort_id", "vendor", "period")
