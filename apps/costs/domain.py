"""The bridge to labelqc.cost: build its values from API/DB data, translate its errors.

labelqc.cost validates every input and raises CostInputError(field, reason, record); here the
field is turned into the API's field path (e.g. the Rate's "amount" of the reviewer becomes
"reviewer_rate_amount", a segment's column becomes "segments[2].correction_error_rate") and
raised as a ServiceValidationError, which the API answers with a 400 naming that path.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from apps.common.exceptions import ServiceValidationError
from apps.costs.defaults import cost_defaults
from labelqc.cost import CostInputError, Rate, RateCard, normalize_segments
from labelqc.cost.plan import SEGMENT_INPUT_COLUMNS

# Columns a scenario segment may carry besides the model inputs (keys passed through).
SEGMENT_KEYS: tuple[str, ...] = ("name", "class_id", "cohort_id", "vendor", "period")
SEGMENT_TEXT_FIELDS: tuple[str, ...] = (
    "rate_unit",
    "reviewer_rate_unit",
    "name",
    "vendor",
    "period",
)
SEGMENT_REQUIRED: tuple[str, ...] = ("n_items", "rate_unit", "rate_amount", "defect_rate")
MAX_SEGMENTS = 500
CARD_FIELD_PATHS = {"cohort_id": "cohort", "rate_cards": "non_field_errors"}


def cost_error(exc: CostInputError, path: str | None = None) -> ServiceValidationError:
    """A 400 naming ``path`` (default: the error's own field) with labelqc.cost's reason."""
    return ServiceValidationError({path or exc.field: [exc.reason]})


def _rate(unit: Any, amount: Any, prefix: str) -> Rate:
    try:
        return Rate(unit, amount)
    except CostInputError as exc:
        raise cost_error(exc, f"{prefix}_{exc.field}") from None


def pure_card(values: Mapping[str, Any]) -> RateCard:
    """A labelqc.cost RateCard from rate-card field values (model field names)."""
    annotation = _rate(values.get("rate_unit"), values.get("rate_amount"), "rate")
    reviewer_unit = values.get("reviewer_rate_unit") or None
    reviewer_amount = values.get("reviewer_rate_amount")
    if (reviewer_unit is None) != (reviewer_amount is None):
        missing = "reviewer_rate_amount" if reviewer_amount is None else "reviewer_rate_unit"
        raise ServiceValidationError(
            "reviewer_rate_unit and reviewer_rate_amount go together", field=missing
        )
    reviewer = (
        None if reviewer_unit is None else _rate(reviewer_unit, reviewer_amount, "reviewer_rate")
    )
    try:
        return RateCard(
            vendor=values.get("vendor"),
            annotation=annotation,
            reviewer=reviewer,
            cohort_id=values.get("cohort_id"),
            correction_effort=values.get("correction_effort"),
            engineering_cost_per_batch=values.get("engineering_cost_per_batch"),
            batch_size=values.get("batch_size"),
            remediation_cost_per_escape=values.get("remediation_cost_per_escape"),
        )
    except CostInputError as exc:
        raise cost_error(exc, CARD_FIELD_PATHS.get(exc.field)) from None


def _check_segment(index: int, segment: Any) -> dict[str, Any]:
    if not isinstance(segment, Mapping):
        raise ServiceValidationError("must be an object", field=f"segments[{index}]")
    allowed = set(SEGMENT_INPUT_COLUMNS) | set(SEGMENT_KEYS)
    for key in SEGMENT_REQUIRED:
        if segment.get(key) is None:
            raise ServiceValidationError("is required", field=f"segments[{index}].{key}")
    for key, value in segment.items():
        path = f"segments[{index}].{key}"
        if key not in allowed:
            raise ServiceValidationError("is not a segment field", field=path)
        if value is None:
            continue
        if key in SEGMENT_TEXT_FIELDS:
            if not isinstance(value, str) or len(value) > 200:
                raise ServiceValidationError("must be a short string", field=path)
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise ServiceValidationError("must be a number", field=path)
        elif not math.isfinite(value):
            raise ServiceValidationError("must be a finite number", field=path)
    return dict(segment)


def with_default_assumptions(segment: dict[str, Any]) -> dict[str, Any]:
    """Write out every assumption a segment leaves to the defaults (configs/cost_defaults.yaml)."""
    defaults = cost_defaults()
    filled = dict(segment)
    for key, value in {**defaults.rate_card, **defaults.assumptions}.items():
        if filled.get(key) is None:
            filled[key] = value
    if filled.get("correction_error_rate") is None and filled.get("defect_rate") is not None:
        filled["correction_error_rate"] = filled["defect_rate"]  # the seed's assumption
    return filled


def segments_frame(segments: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """A labelqc.cost segments frame, one row per segment, indexed by position."""
    return pd.DataFrame([dict(segment) for segment in segments], index=range(len(segments)))


def validate_segments(segments: Any, *, path: str = "segments") -> list[dict[str, Any]]:
    """Check segments through labelqc.cost and return them with every assumption filled in.

    A bad value is a 400 naming e.g. "segments[1].correction_error_rate" (d_r >= 1 cannot
    converge) or "segments[0].defect_rate" (outside [0, 1)).
    """
    if not isinstance(segments, list) or not segments:
        raise ServiceValidationError("must be a non-empty list of segments", field=path)
    if len(segments) > MAX_SEGMENTS:
        raise ServiceValidationError(f"at most {MAX_SEGMENTS} segments", field=path)
    try:
        checked = [with_default_assumptions(_check_segment(i, s)) for i, s in enumerate(segments)]
    except ServiceValidationError as exc:
        raise ServiceValidationError(
            {key.replace("segments", path, 1): value for key, value in exc.errors.items()}
        ) from None
    try:
        normalize_segments(segments_frame(checked))
    except CostInputError as exc:
        where = f"[{exc.record}]" if exc.record is not None else ""
        raise cost_error(exc, f"{path}{where}.{exc.field}") from None
    return checked
