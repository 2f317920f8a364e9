"""run_round trains on labeled items, scores the pool and returns a prioritized batch."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from labelqc.active import (
    ActiveLearningInputError,
    DiversitySampling,
    HybridSampling,
    RandomSampling,
    Sam2UncertaintySampling,
    UncertaintySampling,
    fit_model,
    margin_scores,
    run_round,
)


def make_model() -> LogisticRegression:
    return LogisticRegression(max_iter=2000)


def blobs(
    seed: int = 0, n_items: int = 120, n_classes: int = 3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gaussian blobs: features, labels with -1 for all but 30 items, and the true labels."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0.0, 4.0, size=(n_classes, 4))
    truth = rng.integers(0, n_classes, n_items)
    features = centers[truth] + rng.normal(0.0, 1.5, size=(n_items, 4))
    labels = np.full(n_items, -1)
    labeled = rng.choice(n_items, 30, replace=False)
    labels[labeled] = truth[labeled]
    return features, labels, truth


def test_selects_the_margin_batch_of_the_trained_model_with_priorities() -> None:
    features, labels, truth = blobs()
    result = run_round(
        features,
        labels,
        None,
        make_model,
        UncertaintySampling("margin"),
        8,
        seed=3,
        eval_features=features,
        eval_labels=truth,
    )
    labeled = labels >= 0
    model = make_model().fit(features[labeled], labels[labeled])
    scores = margin_scores(model.predict_proba(features))
    scores[labeled] = -np.inf
    assert result.selected.tolist() == np.argsort(-scores)[:8].tolist()
    np.testing.assert_allclose(result.scores, scores[result.selected])
    np.testing.assert_allclose(result.priorities, np.arange(8, 0, -1) / 8)
    assert result.metrics is not None and result.metrics_reason is None
    assert result.metrics.n_labeled == 30
    assert result.metrics.n_unlabeled == 90
    assert result.metrics.n_classes_seen == 3
    assert result.metrics.eval_accuracy == pytest.approx(
        float(np.mean(model.predict(features) == truth))
    )
    assert result.metrics.train_accuracy == pytest.approx(
        float(np.mean(model.predict(features[labeled]) == labels[labeled]))
    )
    assert result.metrics.pool_mean_confidence == pytest.approx(
        float(model.predict_proba(features[~labeled]).max(axis=1).mean())
    )


def test_same_seed_same_round_and_seed_matters_for_random() -> None:
    features, labels, _ = blobs(1)
    first = run_round(features, labels, None, make_model, RandomSampling(), 5, seed=9)
    again = run_round(features, labels, None, make_model, RandomSampling(), 5, seed=9)
    other = run_round(features, labels, None, make_model, RandomSampling(), 5, seed=10)
    np.testing.assert_array_equal(first.selected, again.selected)
    assert first.selected.tolist() != other.selected.tolist()
    assert first.metrics is not None and first.metrics.eval_accuracy is None


def test_down_weighting_changes_the_fit() -> None:
    features, labels, _ = blobs(2)
    weights = np.ones(labels.size)
    labeled = np.flatnonzero(labels >= 0)
    # A weak annotator labeled a third of the items: flip their labels and down-weight them.
    weak = labeled[::3]
    noisy = labels.copy()
    noisy[weak] = (noisy[weak] + 1) % 3
    weights[weak] = 0.05
    trusted = fit_model(features, noisy, None, make_model)
    weighted = fit_model(features, noisy, weights, make_model)
    assert not np.allclose(trusted.probas(features), weighted.probas(features), atol=1e-3)
    clean = fit_model(features, labels, None, make_model)
    # Down-weighting the flipped labels moves the model towards the clean one.
    clean_probas = clean.probas(features)
    assert (
        np.abs(weighted.probas(features) - clean_probas).mean()
        < np.abs(trusted.probas(features) - clean_probas).mean()
    )
    plain = run_round(features, noisy, None, make_model, UncertaintySampling(), 10, seed=0)
    down = run_round(features, noisy, weights, make_model, UncertaintySampling(), 10, seed=0)
    assert plain.selected.tolist() != down.selected.tolist()


def test_zero_weight_is_the_same_fit_as_leaving_the_items_out() -> None:
    features, labels, _ = blobs(3)
    labeled = np.flatnonzero(labels >= 0)
    weights = np.ones(labels.size)
    weights[labeled[:5]] = 0.0
    dropped = labels.copy()
    dropped[labeled[:5]] = -1
    zero_weight = fit_model(features, labels, weights, make_model)
    without = fit_model(features, dropped, None, make_model)
    np.testing.assert_allclose(zero_weight.probas(features), without.probas(features), atol=2e-4)


def test_fixed_class_list_pads_probabilities_of_unseen_classes() -> None:
    features, labels, _ = blobs(4)
    fitted = fit_model(features, labels, None, make_model, classes=np.arange(5))
    probas = fitted.probas(features)
    assert probas.shape == (features.shape[0], 5)
    np.testing.assert_allclose(probas[:, 3:], 0.0)
    np.testing.assert_allclose(probas.sum(axis=1), 1.0)
    with pytest.raises(ActiveLearningInputError, match="classes"):
        fit_model(features, labels, None, make_model, classes=np.array([0, 1]))


def test_diversity_uses_embeddings_when_given() -> None:
    features, labels, _ = blobs(5)
    rng = np.random.default_rng(0)
    embeddings = rng.normal(size=(features.shape[0], 6))
    on_features = run_round(features, labels, None, make_model, DiversitySampling(), 6, 0)
    on_embeddings = run_round(
        features, labels, None, make_model, DiversitySampling(), 6, 0, embeddings=embeddings
    )
    direct = DiversitySampling().select(None, embeddings, 6, labels >= 0, np.random.default_rng(0))
    np.testing.assert_array_equal(on_embeddings.selected, direct.indices)
    assert on_features.selected.tolist() != on_embeddings.selected.tolist()
    hybrid = run_round(
        features, labels, None, make_model, HybridSampling(), 6, 0, embeddings=embeddings
    )
    assert hybrid.selected.size == 6


def test_sam2_scores_strategy_needs_scores_but_no_model() -> None:
    features, _, _ = blobs(6)
    one_class = np.full(features.shape[0], -1)
    one_class[:4] = 2
    scores = np.linspace(0.0, 1.0, features.shape[0])
    result = run_round(
        features,
        one_class,
        None,
        make_model,
        Sam2UncertaintySampling(),
        3,
        0,
        uncertainty_scores=scores,
    )
    assert result.selected.tolist() == [
        features.shape[0] - 1,
        features.shape[0] - 2,
        features.shape[0] - 3,
    ]
    assert result.metrics is None and "two" in (result.metrics_reason or "")
    with pytest.raises(ActiveLearningInputError, match="uncertainty_scores"):
        run_round(features, one_class, None, make_model, Sam2UncertaintySampling(), 3, 0)
    with pytest.raises(ActiveLearningInputError, match="uncertainty_scores"):
        run_round(
            features,
            one_class,
            None,
            make_model,
            Sam2UncertaintySampling(),
            3,
            0,
            uncertainty_scores=scores[:-1],
        )


def test_cold_start_works_for_model_free_strategies_only() -> None:
    features, _, _ = blobs(7)
    nothing = np.full(features.shape[0], -1)
    cold = run_round(features, nothing, None, make_model, DiversitySampling(), 4, 0)
    assert cold.selected.size == 4 and cold.metrics is None
    with pytest.raises(ActiveLearningInputError, match="labels"):
        run_round(features, nothing, None, make_model, UncertaintySampling(), 4, 0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"labels": np.full(3, -1)}, "labels"),
        ({"labels": np.full(120, -2)}, "labels"),
        ({"labels": np.full(120, 0.5)}, "labels"),
        ({"sample_weight": -np.ones(120)}, "sample_weight"),
        ({"sample_weight": np.ones(7)}, "sample_weight"),
        ({"batch_size": 0}, "batch_size"),
        ({"features": np.ones(120)}, "features"),
        ({"strategy": object()}, "strategy"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict, field: str) -> None:
    features, labels, _ = blobs()
    arguments = {
        "features": features,
        "labels": labels,
        "sample_weight": None,
        "model_factory": make_model,
        "strategy": UncertaintySampling(),
        "batch_size": 4,
        "seed": 0,
    }
    arguments.update(kwargs)
    with pytest.raises(ActiveLearningInputError, match=field):
        run_round(**arguments)


def test_all_zero_weights_on_labeled_items_is_an_error() -> None:
    features, labels, _ = blobs()
    weights = np.where(labels >= 0, 0.0, 1.0)
    with pytest.raises(ActiveLearningInputError, match="sample_weight"):
        run_round(features, labels, weights, make_model, UncertaintySampling(), 4, 0)


def test_fully_labeled_pool_gives_an_empty_round() -> None:
    features, _, truth = blobs(8)
    result = run_round(features, truth, None, make_model, UncertaintySampling(), 5, 0)
    assert result.selected.size == 0 == result.priorities.size
    assert result.metrics is not None
    assert result.metrics.n_unlabeled == 0 and result.metrics.pool_mean_confidence is None
