"""Acceptance sampling of a delivered batch: plans, operating characteristic, sample, decision.

A single sampling plan ``(n, Ac, Re)`` inspects ``n`` items drawn at random from a lot of ``N``
items and accepts the lot when the number of defective items found is at most ``Ac`` (for single
sampling ``Re = Ac + 1``).  Plans come from the ISO 2859-1 tables (:func:`plan_from_table`) or
from the producer's and consumer's risks (:func:`plan_for_risks`, hypergeometric, exact for the
finite lot, and the plan to trust when the table is questioned).

The operating characteristic (OC) of a plan is ``Pa(p) = P(X <= Ac)``, the probability of
accepting a lot whose true defect rate is ``p``: ``X ~ Binomial(n, p)`` for the tables' "type B"
view (an endless process at rate ``p``), ``X ~ Hypergeometric(N, D = round(p N), n)`` for a
finite lot with ``D`` defective items.  AQL and LTPD are given in percent, as in the standard;
defect rates in the OC are fractions in [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from labelqc.intake.errors import IntakeInputError
from labelqc.intake.sampling_tables import code_letter, master_table_plan

OcModel = Literal["binomial", "hypergeometric"]
# Slack for comparing computed probabilities with the risks, so that a plan sitting exactly on a
# risk boundary is not lost to floating-point rounding in the CDF.
_PROBABILITY_SLACK = 1e-12


@dataclass(frozen=True)
class SamplingPlan:
    """A single sampling plan for one lot.

    ``source`` is ``"iso2859_table"`` or ``"risks"``.  Table plans carry the lot's
    ``code_letter``, the ``plan_letter`` whose row held the plan (they differ after an arrow)
    and the ``inspection_level``; risk plans carry ``ltpd`` and the risks they achieve
    (``producer_risk = P(reject)`` at the AQL, ``consumer_risk = P(accept)`` at the LTPD,
    hypergeometric).  ``full_inspection`` is True when the sample is the whole lot.
    """

    lot_size: int
    sample_size: int
    accept_number: int
    reject_number: int
    aql: float
    source: Literal["iso2859_table", "risks"]
    code_letter: str | None = None
    plan_letter: str | None = None
    inspection_level: str | None = None
    ltpd: float | None = None
    producer_risk: float | None = None
    consumer_risk: float | None = None
    full_inspection: bool = False
    note: str | None = None


@dataclass(frozen=True)
class OperatingCharacteristic:
    """OC curve arrays: ``defect_rate`` (fraction) and ``p_accept`` of the same length."""

    defect_rate: np.ndarray
    p_accept: np.ndarray
    model: OcModel
    sample_size: int
    accept_number: int
    lot_size: int | None


@dataclass(frozen=True)
class LotDecision:
    """Outcome of :func:`decide`: ``verdict`` is ``"accept"`` or ``"reject"``."""

    verdict: Literal["accept", "reject"]
    n_defective: int
    sample_size: int
    accept_number: int
    reject_number: int

    @property
    def accepted(self) -> bool:
        return self.verdict == "accept"


def _check_int(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise IntakeInputError(f"{name}: expected an int, got {value!r}")
    if int(value) < minimum:
        raise IntakeInputError(f"{name}: must be >= {minimum}, got {value!r}")
    return int(value)


def _check_percent(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise IntakeInputError(f"{name}: expected a percentage, got {value!r}")
    number = float(value)
    if not (0.0 < number < 100.0):
        raise IntakeInputError(f"{name}: must be a percentage in (0, 100), got {value!r}")
    return number


def _check_risk(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise IntakeInputError(f"{name}: expected a probability, got {value!r}")
    number = float(value)
    if not (0.0 < number < 1.0):
        raise IntakeInputError(f"{name}: must lie in (0, 1), got {value!r}")
    return number


def plan_from_table(lot_size: int, aql: float, level: str = "II") -> SamplingPlan:
    """Single sampling plan for normal inspection from ISO 2859-1 Tables 1 and 2-A.

    ``lot_size`` (>= 2) gives the code letter at ``level`` (general level II by default);
    ``aql`` is a preferred AQL in percent (0.010 ... 1000; above 10 the columns are
    nonconformities per 100 units).  Arrows are followed to the first plan below/above.  When
    the plan's sample size reaches the lot size the whole lot is inspected (as the standard
    directs): ``sample_size = lot_size`` and ``full_inspection`` is True, Ac/Re unchanged.
    """
    lot = _check_int(lot_size, "lot_size", 2)
    letter = code_letter(lot, level)
    table_plan = master_table_plan(letter, aql)
    sample_size = table_plan.sample_size
    full_inspection = sample_size >= lot
    note = table_plan.note
    if full_inspection:
        sample_size = lot
        extra = f"the table's sample of {table_plan.sample_size} reaches the lot: inspect all"
        note = extra if note is None else f"{note}; {extra}"
    return SamplingPlan(
        lot_size=lot,
        sample_size=sample_size,
        accept_number=table_plan.accept_number,
        reject_number=table_plan.reject_number,
        aql=float(aql),
        source="iso2859_table",
        code_letter=letter,
        plan_letter=table_plan.plan_letter,
        inspection_level=level,
        full_inspection=full_inspection,
        note=note,
    )


def _smallest_n_meeting_consumer(
    accept_numbers: np.ndarray, lot_size: int, defective_at_ltpd: int, consumer_risk: float
) -> np.ndarray:
    # P(X <= c) is non-increasing in n, so bisection finds the smallest n with P <= beta; at
    # n = N it is 0 whenever c < D, so every c below D has an answer in [c + 1, N].
    low = accept_numbers + 1
    high = np.full(accept_numbers.shape, lot_size, dtype=np.int64)
    while (low < high).any():
        middle = (low + high) // 2
        p_accept = stats.hypergeom.cdf(accept_numbers, lot_size, defective_at_ltpd, middle)
        meets = p_accept <= consumer_risk + _PROBABILITY_SLACK
        high = np.where(meets, middle, high)
        low = np.where(meets, low, middle + 1)
    return low


def plan_for_risks(
    lot_size: int,
    aql: float,
    ltpd: float,
    producer_risk: float = 0.05,
    consumer_risk: float = 0.10,
) -> SamplingPlan:
    """Smallest single sampling plan ``(n, c)`` meeting both risks on a finite lot.

    ``aql`` and ``ltpd`` (lot tolerance percent defective) are percentages with
    ``aql < ltpd``.  With ``D1 = floor(aql% * N)`` and ``D2 = ceil(ltpd% * N)`` defective items
    in the lot and ``X ~ Hypergeometric(N, D, n)`` the defectives in the sample, the plan
    satisfies ``P(X <= c | D1) >= 1 - producer_risk`` (every lot at or better than the AQL is
    accepted with at least that probability) and ``P(X <= c | D2) <= consumer_risk`` (every lot
    at or worse than the LTPD is accepted with at most that probability).  Among such plans it
    returns the smallest ``n``, then the smallest ``c``.  ``aql < ltpd`` makes ``D1 < D2``, and
    inspecting the whole lot with ``c = D1`` then qualifies, so a plan always exists.
    """
    lot = _check_int(lot_size, "lot_size", 2)
    aql_percent = _check_percent(aql, "aql")
    ltpd_percent = _check_percent(ltpd, "ltpd")
    alpha = _check_risk(producer_risk, "producer_risk")
    beta = _check_risk(consumer_risk, "consumer_risk")
    if ltpd_percent <= aql_percent:
        raise IntakeInputError(f"ltpd: must exceed aql ({aql_percent:g}%), got {ltpd_percent:g}%")
    if alpha + beta >= 1.0:
        raise IntakeInputError("producer_risk + consumer_risk: must be below 1")
    # Percent to count with a rounding guard, so 1% of 1000 is exactly 10 rather than 9.999...
    defective_at_aql = math.floor(aql_percent * lot / 100.0 + 1e-9)
    defective_at_ltpd = math.ceil(ltpd_percent * lot / 100.0 - 1e-9)
    block = 32
    start = 0
    while start < defective_at_ltpd:
        accept_numbers = np.arange(start, min(start + block, defective_at_ltpd), dtype=np.int64)
        sizes = _smallest_n_meeting_consumer(accept_numbers, lot, defective_at_ltpd, beta)
        producer_ok = (
            stats.hypergeom.cdf(accept_numbers, lot, defective_at_aql, sizes)
            >= 1.0 - alpha - _PROBABILITY_SLACK
        )
        if producer_ok.any():
            # The consumer's smallest n grows with c, so the first feasible c gives the
            # smallest n (and the smallest c for that n).
            first = int(np.flatnonzero(producer_ok)[0])
            accept_number, sample_size = int(accept_numbers[first]), int(sizes[first])
            p_accept_aql = float(
                stats.hypergeom.cdf(accept_number, lot, defective_at_aql, sample_size)
            )
            p_accept_ltpd = float(
                stats.hypergeom.cdf(accept_number, lot, defective_at_ltpd, sample_size)
            )
            return SamplingPlan(
                lot_size=lot,
                sample_size=sample_size,
                accept_number=accept_number,
                reject_number=accept_number + 1,
                aql=aql_percent,
                source="risks",
                ltpd=ltpd_percent,
                producer_risk=max(0.0, 1.0 - p_accept_aql),
                consumer_risk=p_accept_ltpd,
                full_inspection=sample_size == lot,
            )
        start += block
        block *= 2
    raise AssertionError("unreachable: full inspection with c = D1 meets both risks")


def acceptance_probability(
    sample_size: int,
    accept_number: int,
    defect_rate: ArrayLike,
    *,
    lot_size: int | None = None,
) -> np.ndarray:
    """``P(accept) = P(X <= accept_number)`` at each defect rate (fractions in [0, 1]).

    Binomial ``X ~ B(sample_size, p)`` without ``lot_size``; with it, hypergeometric with
    ``D = round(p * lot_size)`` defective items in the lot.  Returns a float array shaped like
    ``defect_rate``.
    """
    n = _check_int(sample_size, "sample_size", 1)
    c = _check_int(accept_number, "accept_number", 0)
    rates = np.asarray(defect_rate, dtype=np.float64)
    if not np.isfinite(rates).all() or (rates < 0).any() or (rates > 1).any():
        raise IntakeInputError("defect_rate: every rate must be a fraction in [0, 1]")
    if lot_size is None:
        return np.asarray(stats.binom.cdf(c, n, rates), dtype=np.float64)
    lot = _check_int(lot_size, "lot_size", 1)
    if n > lot:
        raise IntakeInputError(f"sample_size: {n} exceeds lot_size {lot}")
    defective = np.rint(rates * lot).astype(np.int64)
    return np.asarray(stats.hypergeom.cdf(c, lot, defective, n), dtype=np.float64)


def operating_characteristic(
    plan: SamplingPlan,
    defect_rates: ArrayLike | None = None,
    *,
    model: OcModel | None = None,
) -> OperatingCharacteristic:
    """OC curve of a plan: probability of accepting the lot at each true defect rate.

    ``model`` defaults to ``"binomial"`` for table plans (the standard's OC curves) and
    ``"hypergeometric"`` for risk plans (the finite lot).  Without ``defect_rates`` a grid of
    201 rates from 0 to ``min(1, max(4 * AQL, 3 (Ac + 1) / n))`` is used; for the hypergeometric
    model the rates are moved to the lot's lattice ``D / N`` (the returned ``defect_rate``).
    """
    chosen: OcModel = model or ("binomial" if plan.source == "iso2859_table" else "hypergeometric")
    if chosen not in ("binomial", "hypergeometric"):
        raise IntakeInputError(f"model: expected 'binomial' or 'hypergeometric', got {model!r}")
    if defect_rates is None:
        upper = min(
            1.0,
            max(4.0 * plan.aql / 100.0, 3.0 * (plan.accept_number + 1) / plan.sample_size),
        )
        rates = np.linspace(0.0, upper, 201)
    else:
        rates = np.asarray(defect_rates, dtype=np.float64).ravel()
    lot_size = plan.lot_size if chosen == "hypergeometric" else None
    p_accept = acceptance_probability(
        plan.sample_size, plan.accept_number, rates, lot_size=lot_size
    )
    if lot_size is not None:
        rates = np.rint(rates * lot_size) / lot_size
    return OperatingCharacteristic(
        defect_rate=rates,
        p_accept=p_accept,
        model=chosen,
        sample_size=plan.sample_size,
        accept_number=plan.accept_number,
        lot_size=lot_size,
    )


def sample_items(item_ids: Sequence[Hashable] | ArrayLike, n: int, seed: int) -> np.ndarray:
    """Draw ``n`` distinct item ids at random, reproducibly.

    The ids are sorted before drawing, so the sample depends only on the set of ids, ``n`` and
    ``seed`` (numpy ``default_rng(seed)``), never on the order the ids were listed in.  Returns
    the sampled ids sorted.  Ids must be unique and mutually comparable.
    """
    count = _check_int(n, "n", 0)
    seed_value = _check_int(seed, "seed", 0)
    ids = np.asarray(item_ids)
    if ids.ndim != 1:
        raise IntakeInputError("item_ids: expected a flat sequence of ids")
    try:
        ordered = np.sort(ids, kind="stable")
    except TypeError as error:
        raise IntakeInputError(f"item_ids: ids must be mutually comparable ({error})") from None
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    if repeated.size:
        raise IntakeInputError(f"item_ids: id {repeated[0]!r} appears more than once")
    if count > ordered.size:
        raise IntakeInputError(f"n: cannot sample {count} items from {ordered.size}")
    rng = np.random.default_rng(seed_value)
    chosen = rng.choice(ordered.size, size=count, replace=False)
    return ordered[np.sort(chosen)]


def accept_mask(n_defective: ArrayLike, plan: SamplingPlan) -> np.ndarray:
    """Vectorized decision: True where ``n_defective <= Ac`` (the lot is accepted)."""
    counts = np.asarray(n_defective)
    if counts.dtype.kind not in "iu":
        raise IntakeInputError("n_defective: expected integer counts")
    if (counts < 0).any() or (counts > plan.sample_size).any():
        raise IntakeInputError(
            f"n_defective: counts must lie in [0, sample_size={plan.sample_size}]"
        )
    return counts <= plan.accept_number


def decide(n_defective: int, plan: SamplingPlan) -> LotDecision:
    """Accept the lot when the defective items found in the sample are at most Ac, else reject."""
    count = _check_int(n_defective, "n_defective", 0)
    accepted = bool(accept_mask(np.int64(count), plan))
    return LotDecision(
        verdict="accept" if accepted else "reject",
        n_defective=count,
        sample_size=plan.sample_size,
        accept_number=plan.accept_number,
        reject_number=plan.reject_number,
    )
