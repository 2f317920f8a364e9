"""plan_for_risks: the smallest hypergeometric plan meeting both risks, against brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from labelqc.intake import IntakeInputError, plan_for_risks


def brute_force_plan(
    lot_size: int, aql: float, ltpd: float, alpha: float, beta: float
) -> tuple[int, int]:
    """Scan every (n, c) with scipy.stats.hypergeom; return the smallest n, then c."""
    d_aql = math.floor(aql * lot_size / 100 + 1e-9)
    d_ltpd = math.ceil(ltpd * lot_size / 100 - 1e-9)
    sizes, accepts = np.meshgrid(np.arange(1, lot_size + 1), np.arange(0, lot_size + 1))
    valid = accepts < sizes
    p_good = stats.hypergeom.cdf(accepts, lot_size, d_aql, sizes)
    p_bad = stats.hypergeom.cdf(accepts, lot_size, d_ltpd, sizes)
    ok = valid & (p_good >= 1 - alpha - 1e-12) & (p_bad <= beta + 1e-12)
    candidates = sorted(zip(sizes[ok].tolist(), accepts[ok].tolist(), strict=True))
    return candidates[0]


@pytest.mark.parametrize(
    ("lot_size", "aql", "ltpd", "alpha", "beta"),
    [
        (60, 2.0, 15.0, 0.05, 0.10),
        (120, 1.0, 8.0, 0.05, 0.10),
        (150, 2.5, 10.0, 0.10, 0.10),
        (200, 4.0, 12.0, 0.05, 0.05),
        (90, 5.0, 30.0, 0.01, 0.20),
    ],
)
def test_matches_exhaustive_search_on_small_lots(
    lot_size: int, aql: float, ltpd: float, alpha: float, beta: float
) -> None:
    plan = plan_for_risks(lot_size, aql, ltpd, alpha, beta)
    assert (plan.sample_size, plan.accept_number) == brute_force_plan(
        lot_size, aql, ltpd, alpha, beta
    )


def test_reported_risks_are_the_hypergeometric_ones_and_are_met() -> None:
    plan = plan_for_risks(5000, 1.0, 4.0)
    p_accept_aql = stats.hypergeom.cdf(plan.accept_number, 5000, 50, plan.sample_size)
    p_accept_ltpd = stats.hypergeom.cdf(plan.accept_number, 5000, 200, plan.sample_size)
    assert plan.producer_risk == pytest.approx(1 - p_accept_aql, abs=1e-12)
    assert plan.consumer_risk == pytest.approx(p_accept_ltpd, abs=1e-12)
    assert plan.producer_risk <= 0.05
    assert plan.consumer_risk <= 0.10
    assert plan.reject_number == plan.accept_number + 1
    assert plan.source == "risks"


def test_no_smaller_sample_meets_both_risks_on_a_larger_lot() -> None:
    plan = plan_for_risks(5000, 1.0, 4.0)
    sizes, accepts = np.meshgrid(np.arange(1, plan.sample_size), np.arange(0, plan.sample_size))
    p_good = stats.hypergeom.cdf(accepts, 5000, 50, sizes)
    p_bad = stats.hypergeom.cdf(accepts, 5000, 200, sizes)
    assert not ((p_good >= 0.95) & (p_bad <= 0.10)).any()


def test_large_lot_agrees_with_the_binomial_search() -> None:
    # For a lot of ten million the hypergeometric plan is the binomial one: a direct scan with
    # scipy.stats.binom finds the same (n, c).
    plan = plan_for_risks(10_000_000, 1.0, 5.0)
    sizes, accepts = np.meshgrid(np.arange(1, 400), np.arange(0, 30))
    ok = (stats.binom.cdf(accepts, sizes, 0.01) >= 0.95) & (
        stats.binom.cdf(accepts, sizes, 0.05) <= 0.10
    )
    best = sorted(zip(sizes[ok].tolist(), accepts[ok].tolist(), strict=True))[0]
    assert (plan.sample_size, plan.accept_number) == best


def test_tiny_lot_can_need_full_inspection() -> None:
    # 1 defective in 20 must be rejected with 90% certainty: only inspecting (nearly) all does.
    plan = plan_for_risks(20, 1.0, 5.0)
    assert (plan.sample_size, plan.accept_number) == brute_force_plan(20, 1.0, 5.0, 0.05, 0.10)
    assert plan.sample_size >= 18


def test_bad_risk_inputs_name_the_field() -> None:
    with pytest.raises(IntakeInputError, match="ltpd"):
        plan_for_risks(1000, 5.0, 1.0)
    with pytest.raises(IntakeInputError, match="producer_risk"):
        plan_for_risks(1000, 1.0, 5.0, producer_risk=0.0)
    with pytest.raises(IntakeInputError, match="aql"):
        plan_for_risks(1000, 0.0, 5.0)
