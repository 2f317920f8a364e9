"""Planning model: expected rework-inclusive cost of labeling segments (class x cohort x vendor).

A segments frame has one row per planned segment. Required columns: ``n_items``, ``rate_unit``
("label" | "object" | "hour"), ``rate_amount``, ``defect_rate``. Optional columns (defaults in
``labelqc.cost.defaults``): ``correction_error_rate`` (default: the row's defect_rate, as in the
seed example), ``objects_per_item`` (required where a rate is per object),
``annotation_hours_per_item`` (required where the rate is per hour), ``review_share``,
``reviewer_rate_unit`` / ``reviewer_rate_amount`` (missing amount: DEFAULT_REVIEW_COST_RATIO x the
direct cost of an item), ``review_hours_per_item`` (required where the reviewer is paid per hour),
``review_recall``, ``max_cycles`` (missing: no limit), ``correction_effort``,
``engineering_cost_per_batch``, ``batch_size``, ``remediation_cost_per_escape``. Any other column
(class_id, cohort_id, vendor, period, ...) is a key passed through to the cost frame.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from labelqc.cost._validate import check_choices, check_range, numeric_column, raise_first
from labelqc.cost.columns import COST_COMPONENTS
from labelqc.cost.defaults import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_CORRECTION_EFFORT,
    DEFAULT_ENGINEERING_COST_PER_BATCH,
    DEFAULT_REMEDIATION_COST_PER_ESCAPE,
    DEFAULT_REVIEW_COST_RATIO,
    DEFAULT_REVIEW_RECALL,
    DEFAULT_REVIEW_SHARE,
)
from labelqc.cost.errors import CostInputError
from labelqc.cost.limits import INPUT_LIMITS, MAX_ENGINEERING_COST_PER_ITEM
from labelqc.cost.rates import RATE_UNITS, Rate, RateCard, unit_cost
from labelqc.cost.rework import rework_series, validate_series_inputs

SEGMENT_INPUT_COLUMNS: tuple[str, ...] = (
    "n_items",
    "rate_unit",
    "rate_amount",
    "defect_rate",
    "correction_error_rate",
    "objects_per_item",
    "annotation_hours_per_item",
    "review_share",
    "reviewer_rate_unit",
    "reviewer_rate_amount",
    "review_hours_per_item",
    "review_recall",
    "max_cycles",
    "correction_effort",
    "engineering_cost_per_batch",
    "batch_size",
    "remediation_cost_per_escape",
)
# Inputs that are money per unit: cost is non-decreasing in each of them.
RATE_INPUT_COLUMNS: tuple[str, ...] = (
    "rate_amount",
    "reviewer_rate_amount",
    "engineering_cost_per_batch",
    "remediation_cost_per_escape",
)


@dataclass(frozen=True)
class Segment:
    """One planned segment; validated on construction (errors name the field).

    ``rate``: the annotation price. ``reviewer_rate``: price of one review pass (None: the
    default review cost ratio). Fields left None take the defaults described in the module doc.
    """

    n_items: float
    rate: Rate
    defect_rate: float
    correction_error_rate: float | None = None
    objects_per_item: float | None = None
    annotation_hours_per_item: float | None = None
    review_share: float = DEFAULT_REVIEW_SHARE
    reviewer_rate: Rate | None = None
    review_hours_per_item: float | None = None
    review_recall: float = DEFAULT_REVIEW_RECALL
    max_cycles: int | None = None
    correction_effort: float = DEFAULT_CORRECTION_EFFORT
    engineering_cost_per_batch: float = DEFAULT_ENGINEERING_COST_PER_BATCH
    batch_size: float = DEFAULT_BATCH_SIZE
    remediation_cost_per_escape: float = DEFAULT_REMEDIATION_COST_PER_ESCAPE
    class_id: int | None = None
    cohort_id: int | None = None
    vendor: str | None = None
    period: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.rate, Rate):
            raise CostInputError("rate", f"must be a Rate, got {self.rate!r}")
        if self.reviewer_rate is not None and not isinstance(self.reviewer_rate, Rate):
            raise CostInputError(
                "reviewer_rate", f"must be a Rate or None, got {self.reviewer_rate!r}"
            )
        try:
            normalize_segments(pd.DataFrame([self.to_record()]))
        except CostInputError as error:  # a single segment has no record label worth showing
            raise CostInputError(error.field, error.reason) from None

    def to_record(self) -> dict[str, object]:
        """The segment as one row of a segments frame (None for fields left to defaults)."""
        record = asdict(self)
        rate, reviewer = record.pop("rate"), record.pop("reviewer_rate")
        record["rate_unit"], record["rate_amount"] = rate["unit"], rate["amount"]
        record["reviewer_rate_unit"] = None if reviewer is None else reviewer["unit"]
        record["reviewer_rate_amount"] = None if reviewer is None else reviewer["amount"]
        return record


def segment_from_card(
    card: RateCard, *, n_items: float, defect_rate: float, **fields: Any
) -> Segment:
    """A Segment priced from a vendor/cohort RateCard (its rates, effort, overhead, remediation).

    ``fields`` sets any other Segment field (class_id, period, objects_per_item, ...) and may
    override what the card gives.
    """
    if not isinstance(card, RateCard):
        raise CostInputError("card", f"must be a RateCard, got {card!r}")
    priced: dict[str, Any] = {
        "rate": card.annotation,
        "reviewer_rate": card.reviewer,
        "correction_effort": card.correction_effort,
        "engineering_cost_per_batch": card.engineering_cost_per_batch,
        "batch_size": card.batch_size,
        "remediation_cost_per_escape": card.remediation_cost_per_escape,
        "vendor": card.vendor,
        "cohort_id": card.cohort_id,
    }
    return Segment(n_items=n_items, defect_rate=defect_rate, **{**priced, **fields})


def segments_frame(segments: Iterable[Segment]) -> pd.DataFrame:
    """A segments frame (one row per Segment) for ``plan_costs`` and the scenario tools."""
    return pd.DataFrame([segment.to_record() for segment in segments])


def _text_column(frame: pd.DataFrame, field: str) -> np.ndarray:
    if field not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    return frame[field].astype(object).where(frame[field].notna(), None).to_numpy()


def normalize_segments(segments: pd.DataFrame, *, check_limits: bool = True) -> pd.DataFrame:
    """Validate a segments frame and return it with every input column filled in.

    Raises CostInputError naming the column and the first offending record. Key columns pass
    through unchanged (first); the index is kept. ``check_limits`` also refuses values above
    their ``labelqc.cost.limits`` bound (False: only the model's own domain, for pricing a frame
    that was accepted before, whose overflowing total is then reported as None).
    """
    keys, inputs = _validated_inputs(segments, check_limits=check_limits)
    return pd.concat([keys, pd.DataFrame(inputs, index=keys.index)], axis=1)


def _check_limits(num: dict[str, np.ndarray], index: pd.Index) -> None:
    """Refuse values above their bound (labelqc.cost.limits): their costs could overflow."""
    for field, high in INPUT_LIMITS.items():
        values = num[field]
        check_range(
            values,
            field,
            index,
            high=high,
            low_open=field == "batch_size",
            where=~np.isnan(values),
        )
    with np.errstate(over="ignore"):
        per_item = num["engineering_cost_per_batch"] / num["batch_size"]
    raise_first(
        per_item > MAX_ENGINEERING_COST_PER_ITEM,
        "batch_size",
        f"must be at least engineering_cost_per_batch / {MAX_ENGINEERING_COST_PER_ITEM:g} "
        f"(an engineering overhead of at most {MAX_ENGINEERING_COST_PER_ITEM:g} per item)",
        num["batch_size"],
        index,
    )


def _validated_inputs(
    segments: pd.DataFrame, *, check_limits: bool = True
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The key columns and every input column as an array (defaults filled), validated."""
    if not isinstance(segments, pd.DataFrame):
        raise CostInputError("segments", f"must be a DataFrame, got {type(segments).__name__}")
    index = segments.index
    keys = segments.drop(columns=[c for c in SEGMENT_INPUT_COLUMNS if c in segments.columns])
    num = {
        "n_items": numeric_column(segments, "n_items"),
        "rate_amount": numeric_column(segments, "rate_amount"),
        "defect_rate": numeric_column(segments, "defect_rate"),
        "correction_error_rate": numeric_column(segments, "correction_error_rate", default=np.nan),
        "objects_per_item": numeric_column(segments, "objects_per_item", default=np.nan),
        "annotation_hours_per_item": numeric_column(
            segments, "annotation_hours_per_item", default=np.nan
        ),
        "review_share": numeric_column(segments, "review_share", default=DEFAULT_REVIEW_SHARE),
        "reviewer_rate_amount": numeric_column(segments, "reviewer_rate_amount", default=np.nan),
        "review_hours_per_item": numeric_column(segments, "review_hours_per_item", default=np.nan),
        "review_recall": numeric_column(segments, "review_recall", default=DEFAULT_REVIEW_RECALL),
        "max_cycles": numeric_column(segments, "max_cycles", default=np.inf),
        "correction_effort": numeric_column(
            segments, "correction_effort", default=DEFAULT_CORRECTION_EFFORT
        ),
        "engineering_cost_per_batch": numeric_column(
            segments, "engineering_cost_per_batch", default=DEFAULT_ENGINEERING_COST_PER_BATCH
        ),
        "batch_size": numeric_column(segments, "batch_size", default=DEFAULT_BATCH_SIZE),
        "remediation_cost_per_escape": numeric_column(
            segments, "remediation_cost_per_escape", default=DEFAULT_REMEDIATION_COST_PER_ESCAPE
        ),
    }
    if "rate_unit" not in segments.columns:
        raise CostInputError("rate_unit", "is a required column")
    rate_unit = _text_column(segments, "rate_unit")
    check_choices(rate_unit, "rate_unit", index, RATE_UNITS)
    reviewer_unit = _text_column(segments, "reviewer_rate_unit")
    reviewer_given = ~np.isnan(num["reviewer_rate_amount"])
    check_choices(
        reviewer_unit[reviewer_given], "reviewer_rate_unit", index[reviewer_given], RATE_UNITS
    )
    raise_first(
        ~reviewer_given & pd.notna(reviewer_unit),
        "reviewer_rate_amount",
        "is required when reviewer_rate_unit is set",
        reviewer_unit,
        index,
    )
    num["correction_error_rate"] = np.where(
        np.isnan(num["correction_error_rate"]), num["defect_rate"], num["correction_error_rate"]
    )
    validate_series_inputs(
        num["n_items"], num["defect_rate"], num["correction_error_rate"], num["max_cycles"], index
    )
    for field in (
        "rate_amount",
        "correction_effort",
        "engineering_cost_per_batch",
        "remediation_cost_per_escape",
    ):
        check_range(num[field], field, index)
    for field in ("review_share", "review_recall"):
        check_range(num[field], field, index, high=1.0)
    check_range(num["batch_size"], "batch_size", index, low_open=True)
    check_range(num["reviewer_rate_amount"], "reviewer_rate_amount", index, where=reviewer_given)
    needs = {
        "objects_per_item": (rate_unit == "object")
        | (reviewer_given & (reviewer_unit == "object")),
        "annotation_hours_per_item": rate_unit == "hour",
        "review_hours_per_item": reviewer_given & (reviewer_unit == "hour"),
    }
    for field, needed in needs.items():
        missing = np.isnan(num[field])
        raise_first(
            needed & missing,
            field,
            "is required by a per-object / per-hour rate",
            num[field],
            index,
        )
        check_range(num[field], field, index, where=~missing)
    if check_limits:
        _check_limits(num, index)
    inputs = {**num, "rate_unit": rate_unit, "reviewer_rate_unit": reviewer_unit}
    return keys, {column: inputs[column] for column in SEGMENT_INPUT_COLUMNS}


def plan_costs(segments: pd.DataFrame | Iterable[Segment]) -> pd.DataFrame:
    """Expected cost of each segment, split into the waterfall components.

    Per segment with N items and direct cost p per item (rate x 1, x objects or x hours):
    direct = N p; review = N s q where s = review share and q = the cost of one review pass;
    rework = corrections x (correction_effort x p + q) (each correction is fixed and re-reviewed);
    engineering = N / batch_size x engineering_cost_per_batch (overhead spread over items);
    remediation = escaped defects x remediation_cost_per_escape. Corrections and escaped
    defects follow ``labelqc.cost.rework`` with catch rate s x recall. Every item ends accepted
    (defects past QA are accepted defective), so accepted_labels = N.
    Returns the key columns plus n_items and the COST_FRAME_COLUMNS.

    The ``labelqc.cost.limits`` bounds are not checked here, so a frame accepted before them
    still prices: a cost too large for a float is inf (None in the JSON reports).
    """
    if not isinstance(segments, pd.DataFrame):
        segments = segments_frame(segments)
    keys, seg = _validated_inputs(segments, check_limits=False)
    n = seg["n_items"]
    # Inputs beyond the limits may overflow (inf, and inf - inf = NaN): those totals are reported
    # as None, so the float warnings say nothing new.
    with np.errstate(over="ignore", invalid="ignore"):
        direct_per_item = unit_cost(
            seg["rate_unit"],
            seg["rate_amount"],
            seg["objects_per_item"],
            seg["annotation_hours_per_item"],
        )
        reviewer_amount = seg["reviewer_rate_amount"]
        review_per_pass = np.where(
            np.isnan(reviewer_amount),
            DEFAULT_REVIEW_COST_RATIO * direct_per_item,
            unit_cost(
                seg["reviewer_rate_unit"],
                reviewer_amount,
                seg["objects_per_item"],
                seg["review_hours_per_item"],
            ),
        )
        share, recall = seg["review_share"], seg["review_recall"]
        series = rework_series(
            n,
            seg["defect_rate"],
            seg["correction_error_rate"],
            catch_rate=share * recall,
            rereview_recall=recall,
            max_cycles=seg["max_cycles"],
        )
        correction_cost = seg["correction_effort"] * direct_per_item + review_per_pass
        components = {
            "direct_cost": n * direct_per_item,
            "review_cost": n * share * review_per_pass,
            "rework_cost": series.corrections * correction_cost,
            # Per item first: n / a tiny batch_size is inf, and inf x 0 overhead would be NaN.
            "engineering_cost": n * (seg["engineering_cost_per_batch"] / seg["batch_size"]),
            "remediation_cost": series.escaped_defects * seg["remediation_cost_per_escape"],
        }
        total = np.zeros(len(n))
        for column in COST_COMPONENTS:
            total = total + components[column]
    outputs = {
        **components,
        "total_cost": total,
        "corrections": series.corrections,
        "escaped_defects": series.escaped_defects,
    }
    # Finite inputs give NaN only after an overflow (inf - inf, inf x 0), and sums skip NaN (a
    # total far too small): such a value is inf, "too large for a float", like the overflow.
    outputs = {key: np.where(np.isnan(values), np.inf, values) for key, values in outputs.items()}
    computed = pd.DataFrame(
        {
            "n_items": n,
            **{column: outputs[column] for column in COST_COMPONENTS},
            "total_cost": outputs["total_cost"],
            "accepted_labels": n,
            "corrections": outputs["corrections"],
            "escaped_defects": outputs["escaped_defects"],
        },
        index=keys.index,
    )
    return pd.concat([keys, computed], axis=1)
