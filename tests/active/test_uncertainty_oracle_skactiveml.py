"""Least confidence, margin and entropy agree with scikit-activeml (oracle, tests only)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skactiveml.classifier import SklearnClassifier
from skactiveml.pool import UncertaintySampling as SkUncertaintySampling
from skactiveml.pool import uncertainty_scores as sk_uncertainty_scores
from skactiveml.utils import MISSING_LABEL
from sklearn.linear_model import LogisticRegression

from labelqc.active import UncertaintySampling, uncertainty_scores

SKACTIVEML_NAMES = {
    "least_confidence": "least_confident",
    "margin": "margin_sampling",
    "entropy": "entropy",
}


def _dirichlet_probas(seed: int, n_rows: int, n_classes: int, concentration: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.full(n_classes, concentration), size=n_rows)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_rows=st.integers(1, 60),
    n_classes=st.integers(2, 12),
    concentration=st.sampled_from([0.05, 0.3, 1.0, 5.0]),
)
def test_scores_match_skactiveml_on_random_probas(
    seed: int, n_rows: int, n_classes: int, concentration: float
) -> None:
    probas = _dirichlet_probas(seed, n_rows, n_classes, concentration)
    for ours, theirs in SKACTIVEML_NAMES.items():
        np.testing.assert_allclose(
            uncertainty_scores(probas, ours),  # type: ignore[arg-type]
            sk_uncertainty_scores(probas, method=theirs),
            rtol=1e-12,
            atol=1e-12,
            err_msg=ours,
        )


def test_scores_match_skactiveml_with_exact_zeros_and_ones() -> None:
    probas = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.0, 0.25, 0.75]])
    for ours, theirs in SKACTIVEML_NAMES.items():
        np.testing.assert_allclose(
            uncertainty_scores(probas, ours),  # type: ignore[arg-type]
            sk_uncertainty_scores(probas, method=theirs),
            atol=1e-15,
        )


@pytest.mark.parametrize("method", sorted(SKACTIVEML_NAMES))
def test_batch_matches_skactiveml_query_with_the_same_model(method: str) -> None:
    rng = np.random.default_rng(7)
    n_items, n_classes = 300, 4
    centers = rng.normal(0.0, 3.0, size=(n_classes, 5))
    truth = rng.integers(0, n_classes, n_items)
    features = centers[truth] + rng.normal(0.0, 2.0, size=(n_items, 5))
    labeled = np.zeros(n_items, dtype=bool)
    labeled[rng.choice(n_items, 40, replace=False)] = True
    observed = np.where(labeled, truth.astype(float), MISSING_LABEL)

    model = SklearnClassifier(
        LogisticRegression(max_iter=500), classes=np.arange(n_classes), random_state=0
    ).fit(features, observed)
    probas = model.predict_proba(features)
    theirs = SkUncertaintySampling(method=SKACTIVEML_NAMES[method], random_state=0).query(
        features, observed, clf=model, fit_clf=False, batch_size=15
    )
    ours = UncertaintySampling(method).select(  # type: ignore[arg-type]
        probas, None, 15, labeled, np.random.default_rng(0)
    )
    # Continuous features make ties impossible, so both must pick the same items in order.
    assert ours.indices.tolist() == np.asarray(theirs).tolist()
