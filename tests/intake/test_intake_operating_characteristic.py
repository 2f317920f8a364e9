"""Operating characteristic: acceptance probabilities against direct scipy.stats computations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from labelqc.intake import (
    IntakeInputError,
    acceptance_probability,
    operating_characteristic,
    plan_for_risks,
    plan_from_table,
)


def test_table_plan_oc_is_binomial() -> None:
    plan = plan_from_table(1000, 1.0)  # n = 80, Ac = 2
    rates = np.array([0.0, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0])
    oc = operating_characteristic(plan, rates)
    assert oc.model == "binomial"
    np.testing.assert_allclose(oc.p_accept, stats.binom.cdf(2, 80, rates), rtol=0, atol=1e-14)
    np.testing.assert_array_equal(oc.defect_rate, rates)


def test_risk_plan_oc_is_hypergeometric_on_the_lot_lattice() -> None:
    plan = plan_for_risks(500, 1.0, 6.0)
    oc = operating_characteristic(plan, [0.0, 0.0103, 0.02, 0.061, 0.2])
    assert oc.model == "hypergeometric"
    defective = np.array([0, 5, 10, 30, 100])
    np.testing.assert_allclose(oc.defect_rate, defective / 500)
    expected = stats.hypergeom.cdf(plan.accept_number, 500, defective, plan.sample_size)
    np.testing.assert_allclose(oc.p_accept, expected, rtol=0, atol=1e-14)


def test_default_grid_spans_from_certain_acceptance_to_near_rejection() -> None:
    oc = operating_characteristic(plan_from_table(3000, 0.65))  # K: n = 125, Ac = 2
    assert oc.defect_rate.size == oc.p_accept.size == 201
    assert oc.p_accept[0] == 1.0
    assert oc.p_accept[-1] < 0.05
    assert (np.diff(oc.p_accept) <= 1e-15).all()


@settings(max_examples=60, deadline=None)
@given(
    sample_size=st.integers(1, 300),
    accept_fraction=st.floats(0.0, 1.0),
    rate=st.floats(0.0, 1.0),
    lot_extra=st.integers(0, 2000),
)
def test_acceptance_probability_matches_scipy(
    sample_size: int, accept_fraction: float, rate: float, lot_extra: int
) -> None:
    accept_number = int(accept_fraction * (sample_size - 1))
    binomial = acceptance_probability(sample_size, accept_number, rate)
    assert float(binomial) == pytest.approx(
        stats.binom.cdf(accept_number, sample_size, rate), abs=1e-12
    )
    lot = sample_size + lot_extra
    finite = acceptance_probability(sample_size, accept_number, rate, lot_size=lot)
    defective = int(np.rint(rate * lot))
    assert float(finite) == pytest.approx(
        stats.hypergeom.cdf(accept_number, lot, defective, sample_size), abs=1e-12
    )


def test_finite_lot_discriminates_more_sharply_than_the_binomial() -> None:
    # Sampling without replacement has less variance: at a bad rate it accepts less often.
    binomial = acceptance_probability(80, 2, 0.1)
    finite = acceptance_probability(80, 2, 0.1, lot_size=200)
    assert finite < binomial


def test_bad_rates_and_models_are_refused() -> None:
    plan = plan_from_table(1000, 1.0)
    with pytest.raises(IntakeInputError, match="defect_rate"):
        acceptance_probability(80, 2, [0.1, 1.5])
    with pytest.raises(IntakeInputError, match="model"):
        operating_characteristic(plan, [0.1], model="poisson")  # type: ignore[arg-type]
    with pytest.raises(IntakeInputError, match="sample_size"):
        acceptance_probability(80, 2, 0.1, lot_size=50)
