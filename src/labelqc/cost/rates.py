"""Prices: a validated ``Rate`` (unit + amount), a vendor/cohort ``RateCard`` and unit costs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labelqc.cost._validate import check_scalar
from labelqc.cost.defaults import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_CORRECTION_EFFORT,
    DEFAULT_ENGINEERING_COST_PER_BATCH,
    DEFAULT_REMEDIATION_COST_PER_ESCAPE,
)
from labelqc.cost.errors import CostInputError
from labelqc.cost.limits import INPUT_LIMITS, MAX_ENGINEERING_COST_PER_ITEM, MAX_RATE_AMOUNT

# "label" = one completed labeling task on one item (image or frame), whatever it contains.
RATE_UNITS: tuple[str, ...] = ("label", "object", "hour")


@dataclass(frozen=True)
class Rate:
    """A price: ``amount`` (currency units, 0 to MAX_RATE_AMOUNT) per ``unit`` ("label", "object"
    or "hour")."""

    unit: str
    amount: float

    def __post_init__(self) -> None:
        if self.unit not in RATE_UNITS:
            raise CostInputError(
                "unit", f"must be one of {', '.join(RATE_UNITS)}; got {self.unit!r}"
            )
        object.__setattr__(
            self, "amount", check_scalar(self.amount, "amount", high=MAX_RATE_AMOUNT)
        )


@dataclass(frozen=True)
class RateCard:
    """What one vendor (optionally one of its cohorts) charges.

    ``annotation``: the labeling price. ``reviewer``: the price of one review pass (per label,
    object, or reviewer hour); None uses DEFAULT_REVIEW_COST_RATIO x the item's direct cost.
    ``cohort_id`` None makes the card apply to every cohort of ``vendor`` without its own card.
    ``correction_effort``: share of the item's direct cost paid per correction cycle.
    ``engineering_cost_per_batch`` / ``batch_size``: overhead spread over the items of a batch.
    ``remediation_cost_per_escape``: downstream cost of one defect that escapes QA.
    Every number has an upper bound (``labelqc.cost.limits``), and the overhead per item
    (engineering_cost_per_batch / batch_size) is at most MAX_ENGINEERING_COST_PER_ITEM.
    """

    vendor: str
    annotation: Rate
    reviewer: Rate | None = None
    cohort_id: int | None = None
    correction_effort: float = DEFAULT_CORRECTION_EFFORT
    engineering_cost_per_batch: float = DEFAULT_ENGINEERING_COST_PER_BATCH
    batch_size: float = DEFAULT_BATCH_SIZE
    remediation_cost_per_escape: float = DEFAULT_REMEDIATION_COST_PER_ESCAPE

    def __post_init__(self) -> None:
        if not isinstance(self.vendor, str) or not self.vendor:
            raise CostInputError("vendor", f"must be a non-empty string, got {self.vendor!r}")
        if not isinstance(self.annotation, Rate):
            raise CostInputError("annotation", f"must be a Rate, got {self.annotation!r}")
        if self.reviewer is not None and not isinstance(self.reviewer, Rate):
            raise CostInputError("reviewer", f"must be a Rate or None, got {self.reviewer!r}")
        if self.cohort_id is not None and (
            isinstance(self.cohort_id, bool) or not isinstance(self.cohort_id, int | np.integer)
        ):
            raise CostInputError("cohort_id", f"must be an int or None, got {self.cohort_id!r}")
        for name in (
            "correction_effort",
            "engineering_cost_per_batch",
            "remediation_cost_per_escape",
        ):
            value = check_scalar(getattr(self, name), name, high=INPUT_LIMITS[name])
            object.__setattr__(self, name, value)
        batch_size = check_scalar(
            self.batch_size, "batch_size", low_open=True, high=INPUT_LIMITS["batch_size"]
        )
        if self.engineering_cost_per_batch / batch_size > MAX_ENGINEERING_COST_PER_ITEM:
            raise CostInputError(
                "batch_size",
                f"must be at least engineering_cost_per_batch / {MAX_ENGINEERING_COST_PER_ITEM:g}"
                f" (an engineering overhead of at most {MAX_ENGINEERING_COST_PER_ITEM:g} per "
                f"item), got {batch_size!r}",
            )
        object.__setattr__(self, "batch_size", batch_size)


def rate_cards_frame(cards: Sequence[RateCard]) -> pd.DataFrame:
    """One row per card; a second card for the same (vendor, cohort_id) is an error."""
    rows = []
    for card in cards:
        if not isinstance(card, RateCard):
            raise CostInputError("rate_cards", f"must hold RateCard values, got {card!r}")
        reviewer = card.reviewer
        rows.append(
            {
                "vendor": card.vendor,
                "cohort_key": -1 if card.cohort_id is None else int(card.cohort_id),
                "rate_unit": card.annotation.unit,
                "rate_amount": card.annotation.amount,
                "reviewer_rate_unit": None if reviewer is None else reviewer.unit,
                "reviewer_rate_amount": np.nan if reviewer is None else reviewer.amount,
                "correction_effort": card.correction_effort,
                "engineering_cost_per_batch": card.engineering_cost_per_batch,
                "batch_size": card.batch_size,
                "remediation_cost_per_escape": card.remediation_cost_per_escape,
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        raise CostInputError("rate_cards", "at least one RateCard is required")
    duplicated = frame.duplicated(["vendor", "cohort_key"])
    if duplicated.any():
        row = frame[duplicated].iloc[0]
        raise CostInputError(
            "rate_cards",
            f"two cards for vendor {row['vendor']!r}, cohort "
            f"{None if row['cohort_key'] == -1 else row['cohort_key']!r}",
        )
    return frame


def unit_cost(
    unit: np.ndarray | pd.Categorical, amount: np.ndarray, objects: np.ndarray, hours: np.ndarray
) -> np.ndarray:
    """Cost of one unit of work per row: amount, amount x objects, or amount x hours by ``unit``.

    Rows whose unit does not use ``objects`` (or ``hours``) ignore that value, NaN included.
    ``unit`` may be a Categorical (no per-row string work on large inputs).
    """
    # Compare the few distinct units, not every row's string (object compares dominate).
    if isinstance(unit, pd.Categorical):
        codes, names = unit.codes, unit.categories
    else:
        codes, names = pd.factorize(np.asarray(unit, dtype=object))
    amount = np.asarray(amount, dtype=np.float64)

    def rows_with(name: str) -> np.ndarray:
        matches = np.flatnonzero(np.asarray(names, dtype=object) == name)
        return codes == matches[0] if matches.size else np.zeros(len(codes), dtype=bool)

    with np.errstate(invalid="ignore"):
        return np.select(
            [rows_with("label"), rows_with("object"), rows_with("hour")],
            [amount, amount * np.asarray(objects), amount * np.asarray(hours)],
            default=np.nan,
        )
