"""Simulated lots at a known defect rate are accepted as often as the plan's OC promises."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from labelqc.intake import accept_mask, decide, plan_for_risks, plan_from_table, sample_items

N_LOTS = 20_000
# Tolerance: 4.5 binomial standard errors of a frequency over N_LOTS lots (a fixed seed makes
# the outcome deterministic; 4.5 SE keeps the check honest for any seed with p < 1e-5).
SE_FACTOR = 4.5


def tolerance(probability: float, lots: int) -> float:
    return SE_FACTOR * max(np.sqrt(probability * (1 - probability) / lots), 1 / lots)


@pytest.mark.parametrize("defective", [5, 10, 25, 50, 80])
def test_table_plan_acceptance_frequency_matches_hypergeometric_oc(defective: int) -> None:
    plan = plan_from_table(1000, 1.0)  # n = 80, Ac = 2
    rng = np.random.default_rng(20240 + defective)
    found = rng.hypergeometric(defective, 1000 - defective, plan.sample_size, size=N_LOTS)
    frequency = accept_mask(found, plan).mean()
    promised = stats.hypergeom.cdf(plan.accept_number, 1000, defective, plan.sample_size)
    assert abs(frequency - promised) <= tolerance(promised, N_LOTS)


def test_risk_plan_delivers_its_promised_risks() -> None:
    plan = plan_for_risks(2000, 1.0, 5.0)
    rng = np.random.default_rng(7)
    at_aql = rng.hypergeometric(20, 1980, plan.sample_size, size=N_LOTS)
    at_ltpd = rng.hypergeometric(100, 1900, plan.sample_size, size=N_LOTS)
    rejected_good = 1 - accept_mask(at_aql, plan).mean()
    accepted_bad = accept_mask(at_ltpd, plan).mean()
    assert plan.producer_risk is not None and plan.consumer_risk is not None
    assert abs(rejected_good - plan.producer_risk) <= tolerance(plan.producer_risk, N_LOTS)
    assert abs(accepted_bad - plan.consumer_risk) <= tolerance(plan.consumer_risk, N_LOTS)


def test_large_lot_frequency_matches_the_binomial_oc_of_the_table() -> None:
    plan = plan_from_table(50_000, 0.65)  # N: n = 500, Ac = 7
    rng = np.random.default_rng(11)
    lot, rate = 5_000_000, 0.012
    found = rng.hypergeometric(int(lot * rate), lot - int(lot * rate), plan.sample_size, N_LOTS)
    promised = stats.binom.cdf(plan.accept_number, plan.sample_size, rate)
    assert abs(accept_mask(found, plan).mean() - promised) <= tolerance(promised, N_LOTS)


def test_end_to_end_sampling_and_decisions_over_many_seeds() -> None:
    # A real lot of item ids with a known defective set, sampled with sample_items and judged
    # with decide, once per seed.
    plan = plan_from_table(1000, 1.0)
    item_ids = np.arange(10_000, 11_000)
    defective_ids = np.random.default_rng(3).choice(item_ids, size=25, replace=False)
    seeds = 2_000
    accepted = 0
    for seed in range(seeds):
        sampled = sample_items(item_ids, plan.sample_size, seed)
        accepted += decide(int(np.isin(sampled, defective_ids).sum()), plan).accepted
    promised = stats.hypergeom.cdf(plan.accept_number, 1000, 25, plan.sample_size)
    assert abs(accepted / seeds - promised) <= tolerance(promised, seeds)
