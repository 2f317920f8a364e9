"""Cohen's and Fleiss' kappa against statsmodels and scikit-learn on random data."""

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from labelqc.agreement import cohen_kappa, fleiss_kappa


def _two_raters(seed: int, n: int = 300, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    first = rng.integers(0, k, size=n)
    drift = rng.integers(-1, 2, size=n) * (rng.random(n) < 0.5)
    return first, np.clip(first + drift, 0, k - 1)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_cohen_matches_sklearn(weights: str | None, seed: int) -> None:
    first, second = _two_raters(seed)
    assert cohen_kappa(first, second, weights) == pytest.approx(
        cohen_kappa_score(first, second, weights=weights), abs=1e-12
    )


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_matches_statsmodels(weights: str | None) -> None:
    first, second = _two_raters(9, k=4)
    table = np.zeros((4, 4))
    np.add.at(table, (first, second), 1)
    expected = cohens_kappa(table, wt=weights, return_results=False)
    assert cohen_kappa(first, second, weights) == pytest.approx(expected, abs=1e-12)


def test_cohen_string_labels_order_is_sorted() -> None:
    first, second = _two_raters(4, k=3)
    names = np.array(["a", "b", "c"])
    assert cohen_kappa(names[first], names[second], "quadratic") == pytest.approx(
        cohen_kappa_score(first, second, weights="quadratic"), abs=1e-12
    )


def test_cohen_drops_items_missing_a_rating() -> None:
    first, second = _two_raters(5)
    holey = first.astype(float)
    holey[::7] = np.nan
    keep = ~np.isnan(holey)
    assert cohen_kappa(holey, second) == pytest.approx(
        cohen_kappa_score(first[keep], second[keep]), abs=1e-12
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fleiss_matches_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, size=120)
    ratings = np.where(rng.random((120, 6)) < 0.7, truth[:, None], rng.integers(0, 4, (120, 6)))
    table, _categories = aggregate_raters(ratings)
    assert fleiss_kappa(table) == pytest.approx(sm_fleiss_kappa(table), abs=1e-12)
