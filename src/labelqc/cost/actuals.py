"""Actual cost to date from a work log (one row per completed item / label).

Work-log columns. Required: item_id, class_id, cohort_id (int), vendor (str), review_decision
(one of REVIEW_DECISIONS), rework_cycles (whole number >= 0), completed_at (datetime; naive is
taken as UTC). Needed by some rates: n_objects (per-object rates), annotation_seconds (per-hour
annotation), review_seconds (per-hour reviewer: reviewer time over all passes of the item).
Optional: rework_seconds (correction time, used for per-hour annotation), batch_id (engineering
overhead is then split over the rows of each batch instead of spread per batch_size).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from labelqc.cost._validate import check_range, numeric_column, raise_first
from labelqc.cost.defaults import DEFAULT_PERIOD, DEFAULT_REVIEW_COST_RATIO
from labelqc.cost.errors import CostInputError
from labelqc.cost.rates import RATE_UNITS, RateCard, rate_cards_frame, unit_cost

REVIEW_DECISIONS: tuple[str, ...] = (
    "approved",  # reviewed and accepted as is
    "edited",  # reviewed, fixed in place by the reviewer, accepted
    "rejected",  # reviewed and discarded: paid for, never accepted
    "escalated",  # reviewed, waiting on a lead
    "pending",  # waiting for a (re-)review
    "unreviewed",  # not in the review sample: accepted without review
)
ACCEPTED_DECISIONS: tuple[str, ...] = ("approved", "edited", "unreviewed")
# Decisions that close a review pass; "pending" rows have had one pass per rework cycle so far.
_REVIEWED_DECISIONS = ("approved", "edited", "rejected", "escalated")
WORKLOG_REQUIRED_COLUMNS: tuple[str, ...] = (
    "item_id",
    "class_id",
    "cohort_id",
    "vendor",
    "review_decision",
    "rework_cycles",
    "completed_at",
)


def _require(worklog: pd.DataFrame) -> None:
    if not isinstance(worklog, pd.DataFrame):
        raise CostInputError("worklog", f"must be a DataFrame, got {type(worklog).__name__}")
    for column in WORKLOG_REQUIRED_COLUMNS:
        if column not in worklog.columns:
            raise CostInputError(column, "is a required work-log column")
    for column in ("class_id", "cohort_id", "vendor", "item_id"):
        raise_first(
            worklog[column].isna().to_numpy(),
            column,
            "must not be missing",
            worklog[column],
            worklog.index,
        )


def period_start(timestamps: pd.Series, freq: str = DEFAULT_PERIOD) -> pd.Series:
    """ISO date (YYYY-MM-DD) of the start of each timestamp's period ("D", "W", "M", "Q", ...)."""
    utc = timestamps.dt.tz_convert("UTC") if timestamps.dt.tz is not None else timestamps
    naive = utc.dt.tz_localize(None) if utc.dt.tz is not None else utc
    try:
        periods = naive.dt.to_period(freq)
    except (ValueError, TypeError) as exc:
        raise CostInputError(
            "period", f"is not a pandas period frequency: {freq!r} ({exc})"
        ) from None
    # Format each distinct period once: strftime over every row dominates large work logs.
    codes, distinct = pd.factorize(periods)
    labels = np.asarray(distinct.start_time.strftime("%Y-%m-%d"), dtype=object)
    return pd.Series(labels[codes], index=timestamps.index)


def _completed_at(worklog: pd.DataFrame) -> pd.Series:
    column = worklog["completed_at"]
    try:
        stamps = pd.to_datetime(column, utc=True)
    except (ValueError, TypeError) as exc:
        raise CostInputError("completed_at", f"must be datetimes ({exc})") from None
    raise_first(
        stamps.isna().to_numpy(),
        "completed_at",
        "must not be missing",
        column,
        worklog.index,
    )
    return stamps


def _resolve_cards(worklog: pd.DataFrame, cards: pd.DataFrame) -> np.ndarray:
    """Each row's card position: its own (vendor, cohort_id) card, else the vendor's default."""
    try:
        cohort = worklog["cohort_id"].to_numpy().astype(np.int64)
    except (TypeError, ValueError) as exc:
        raise CostInputError("cohort_id", f"must be integers ({exc})") from None
    vendor_codes, vendors = pd.factorize(worklog["vendor"].astype(str))
    card_of_row = np.full(len(worklog), -1, dtype=np.int64)
    # Cards are few: one vectorized pass per card, cohort-less cards first so own cards win.
    order = np.argsort(cards["cohort_key"].to_numpy() != -1, kind="stable")
    for position in order:
        card = cards.iloc[position]
        matches = np.flatnonzero(vendors == card["vendor"])
        if matches.size == 0:
            continue
        rows = vendor_codes == matches[0]
        if card["cohort_key"] != -1:
            rows &= cohort == card["cohort_key"]
        card_of_row[rows] = position
    missing = card_of_row < 0
    if missing.any():
        position = int(np.flatnonzero(missing)[0])
        raise CostInputError(
            "vendor",
            f"has no RateCard for vendor {vendors[vendor_codes[position]]!r}, "
            f"cohort_id {int(cohort[position])}",
            record=worklog.index[position],
        )
    return card_of_row


def _defect_rates(
    worklog: pd.DataFrame, reviewed: np.ndarray, defective: np.ndarray
) -> tuple[np.ndarray, pd.Categorical]:
    """Observed first-pass defect rate per (class_id, cohort_id), pooled where a group has none."""
    class_codes, classes = pd.factorize(worklog["class_id"])
    cohort_codes, _ = pd.factorize(worklog["cohort_id"])
    group = class_codes.astype(np.int64) * max(len(classes), 1) + cohort_codes
    group_codes, _ = pd.factorize(group)
    reviewed_in_group = np.bincount(group_codes, weights=reviewed.astype(np.float64))[group_codes]
    defects_in_group = np.bincount(group_codes, weights=defective.astype(np.float64))[group_codes]
    total_reviewed = float(reviewed.sum())
    pooled = float(defective.sum()) / total_reviewed if total_reviewed else 0.0
    has_group = reviewed_in_group > 0
    rate = np.where(has_group, defects_in_group / np.where(has_group, reviewed_in_group, 1), pooled)
    fallback = "pooled" if total_reviewed else "none"
    source = pd.Categorical.from_codes(has_group.astype(np.int8), categories=[fallback, "group"])
    return rate, source


def actual_costs(
    worklog: pd.DataFrame,
    rate_cards: Sequence[RateCard],
    *,
    period: str = DEFAULT_PERIOD,
    accepted_decisions: Sequence[str] = ACCEPTED_DECISIONS,
) -> pd.DataFrame:
    """Cost of every work-log row, split into the waterfall components (a cost frame).

    Per row, with p = the row's direct cost (its card's rate x 1, x n_objects or x annotation
    hours) and q = the cost of one review pass (reviewer rate per pass, per object per pass, or
    x review hours; no reviewer rate: DEFAULT_REVIEW_COST_RATIO x p): review passes = rework
    cycles + 1 for reviewed decisions, = cycles for "pending", 0 for "unreviewed" (which must
    have no cycles). review_cost = the first pass; rework_cost = the other passes + the fixes
    (cycles x correction_effort x p, or rework hours x rate for per-hour annotation with
    rework_seconds). engineering_cost = per-batch cost / batch_size (or / rows of the batch_id).
    escaped_defects = the observed first-pass defect rate of the row's (class_id, cohort_id)
    for "unreviewed" rows, 0 otherwise (pooled over all reviewed rows where the group has none;
    source in defect_rate_source); remediation_cost = escaped x remediation_cost_per_escape.
    accepted_labels = 1 for ``accepted_decisions``. ``period`` labels each row with the start
    date of its completed_at period. Returns a cost frame with n_items = 1 per row.
    """
    _require(worklog)
    index = worklog.index
    decision = worklog["review_decision"].astype(object).to_numpy()
    decision_codes, decision_names = pd.factorize(decision)
    unknown = [code for code, name in enumerate(decision_names) if name not in REVIEW_DECISIONS]
    raise_first(
        (decision_codes < 0) | np.isin(decision_codes, unknown),
        "review_decision",
        f"must be one of {', '.join(REVIEW_DECISIONS)}",
        decision,
        index,
    )
    for name in accepted_decisions:
        if name not in REVIEW_DECISIONS:
            raise CostInputError("accepted_decisions", f"unknown decision {name!r}")
    cycles = numeric_column(worklog, "rework_cycles")
    check_range(cycles, "rework_cycles", index)
    raise_first(
        cycles != np.floor(cycles), "rework_cycles", "must be a whole number", cycles, index
    )

    def decided(names: Sequence[str]) -> np.ndarray:
        # A lookup per distinct decision, then one take: codes are all >= 0 once validated.
        return np.array([name in names for name in decision_names], dtype=bool)[decision_codes]

    unreviewed = decided(("unreviewed",))
    raise_first(
        unreviewed & (cycles > 0),
        "rework_cycles",
        "must be 0 for an 'unreviewed' row (rework follows a review)",
        cycles,
        index,
    )
    stamps = _completed_at(worklog)
    cards = rate_cards_frame(rate_cards)
    card_of_row = _resolve_cards(worklog, cards)

    def card(column: str) -> np.ndarray:
        return cards[column].to_numpy()[card_of_row]

    def card_unit(column: str) -> pd.Categorical:
        unit_of_card = pd.Categorical(cards[column], categories=RATE_UNITS).codes
        return pd.Categorical.from_codes(unit_of_card[card_of_row], categories=RATE_UNITS)

    rate_unit = card_unit("rate_unit")
    reviewer_unit = card_unit("reviewer_rate_unit")
    reviewer_amount = card("reviewer_rate_amount").astype(np.float64)
    reviewer_given = ~np.isnan(reviewer_amount)

    needs = {
        "n_objects": (rate_unit == "object") | (reviewer_unit == "object"),
        "annotation_seconds": rate_unit == "hour",
        "review_seconds": reviewer_unit == "hour",
    }
    measured: dict[str, np.ndarray] = {}
    for field, needed in needs.items():
        values = numeric_column(worklog, field, default=np.nan)
        if field not in worklog.columns and needed.any():
            raise CostInputError(field, "is a required column for per-object / per-hour rates")
        raise_first(needed & np.isnan(values), field, "is required by the rate", values, index)
        check_range(values, field, index, where=~np.isnan(values))
        measured[field] = values
    rework_seconds = numeric_column(worklog, "rework_seconds", default=np.nan)
    check_range(rework_seconds, "rework_seconds", index, where=~np.isnan(rework_seconds))

    rate_amount = card("rate_amount").astype(np.float64)
    direct = unit_cost(
        rate_unit, rate_amount, measured["n_objects"], measured["annotation_seconds"] / 3600.0
    )
    passes = np.where(decided(_REVIEWED_DECISIONS), cycles + 1.0, np.where(unreviewed, 0.0, cycles))
    per_pass = np.where(
        reviewer_given,
        unit_cost(reviewer_unit, reviewer_amount, measured["n_objects"], 0.0),
        DEFAULT_REVIEW_COST_RATIO * direct,
    )
    hourly_review = reviewer_given & (reviewer_unit == "hour")
    review_seconds = np.nan_to_num(measured["review_seconds"])
    review_total = np.where(
        hourly_review, reviewer_amount * review_seconds / 3600.0, per_pass * passes
    )
    first_review = np.where(passes > 0, review_total / np.maximum(passes, 1.0), review_total)
    fix_by_time = (rate_unit == "hour") & ~np.isnan(rework_seconds)
    fixes = np.where(
        fix_by_time,
        rate_amount * np.nan_to_num(rework_seconds) / 3600.0,
        cycles * card("correction_effort").astype(np.float64) * direct,
    )
    per_batch = card("engineering_cost_per_batch").astype(np.float64)
    if "batch_id" in worklog.columns:
        rows_in_batch = worklog.groupby("batch_id", dropna=False)["item_id"].transform("size")
        engineering = per_batch / rows_in_batch.to_numpy(dtype=np.float64)
    else:
        engineering = per_batch / card("batch_size").astype(np.float64)

    reviewed_first = passes >= 1
    defective = reviewed_first & ((cycles > 0) | decided(("rejected",)))
    defect_rate, source = _defect_rates(worklog, reviewed_first, defective)
    escaped = np.where(unreviewed, defect_rate, 0.0)
    components = {
        "direct_cost": direct,
        "review_cost": first_review,
        "rework_cost": fixes + (review_total - first_review),
        "engineering_cost": engineering,
        "remediation_cost": escaped * card("remediation_cost_per_escape").astype(np.float64),
    }
    numbers = {
        "n_items": np.ones(len(worklog)),
        **components,
        "total_cost": sum(components.values(), np.zeros(len(worklog))),
        "accepted_labels": decided(tuple(accepted_decisions)).astype(np.float64),
        "corrections": cycles,
        "escaped_defects": escaped,
        "estimated_defect_rate": defect_rate,
    }
    # One float block written in place: a dict of 1M-row columns is stacked (copied) by pandas.
    block = np.empty((len(numbers), len(worklog)))
    for row, values in enumerate(numbers.values()):
        block[row] = values
    frame = pd.DataFrame(block.T, columns=list(numbers), index=index, copy=False)
    keys = {
        "item_id": worklog["item_id"].to_numpy(),
        "class_id": worklog["class_id"].to_numpy(),
        "cohort_id": worklog["cohort_id"].to_numpy(),
        "vendor": worklog["vendor"].to_numpy(),
        "period": period_start(stamps, period).to_numpy(),
        "completed_at": stamps.array,
        "review_decision": decision,
    }
    for position, (column, values) in enumerate(keys.items()):
        frame.insert(position, column, values)  # adds a block; concat/assign would copy all
    frame.insert(len(frame.columns), "defect_rate_source", source)
    return frame
