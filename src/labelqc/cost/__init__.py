"""Rework-inclusive labeling cost: planning model, actuals, forecasts (pure, vectorized).

Formulas, defaults and their sources: docs/cost-model.md.
"""

from labelqc.cost.actuals import ACCEPTED_DECISIONS, REVIEW_DECISIONS, actual_costs, period_start
from labelqc.cost.columns import COST_COMPONENTS, COST_FRAME_COLUMNS, WATERFALL_STEPS
from labelqc.cost.errors import CostInputError
from labelqc.cost.forecast import budget_status, forecast_by, forecast_to_finish
from labelqc.cost.plan import (
    Segment,
    normalize_segments,
    plan_costs,
    segment_from_card,
    segments_frame,
)
from labelqc.cost.rates import RATE_UNITS, Rate, RateCard, unit_cost
from labelqc.cost.report import json_ready, summarize, waterfall
from labelqc.cost.rework import (
    ReworkSeries,
    correction_rounds,
    expected_corrections,
    rework_series,
)
from labelqc.cost.scenarios import (
    SENSITIVITY_FIELDS,
    breakeven_remediation_cost,
    compare_scenarios,
    tornado,
)

__all__ = [
    "ACCEPTED_DECISIONS",
    "COST_COMPONENTS",
    "COST_FRAME_COLUMNS",
    "RATE_UNITS",
    "REVIEW_DECISIONS",
    "SENSITIVITY_FIELDS",
    "WATERFALL_STEPS",
    "CostInputError",
    "Rate",
    "RateCard",
    "ReworkSeries",
    "Segment",
    "actual_costs",
    "breakeven_remediation_cost",
    "budget_status",
    "compare_scenarios",
    "correction_rounds",
    "expected_corrections",
    "forecast_by",
    "forecast_to_finish",
    "json_ready",
    "normalize_segments",
    "period_start",
    "plan_costs",
    "rework_series",
    "segment_from_card",
    "segments_frame",
    "summarize",
    "tornado",
    "unit_cost",
    "waterfall",
]
