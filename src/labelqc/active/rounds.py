"""One active-learning round: train on the labeled items, score the pool, pick a batch.

`run_round` is what the service's round task calls: it returns plain arrays (the items to label
next, their utility and a queue priority in (0, 1]) plus a few model figures for the round record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from labelqc.active._validation import (
    ActiveLearningInputError,
    as_batch_size,
    as_features,
    as_labels,
    as_sample_weight,
    as_unit_scores,
)
from labelqc.active.strategies import QueryStrategy, Selection

UNLABELED = -1


class ProbabilisticClassifier(Protocol):
    """What a model factory must build: a scikit-learn style probabilistic classifier."""

    classes_: Any

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Any: ...

    def predict_proba(self, X: Any) -> Any: ...


ModelFactory = Callable[[], ProbabilisticClassifier]


@dataclass(frozen=True)
class ModelMetrics:
    """Figures about the model trained in a round.

    n_labeled / n_unlabeled: pool sizes. n_classes_seen: distinct class ids among labeled items.
    train_accuracy: unweighted accuracy on the labeled items it was trained on.
    pool_mean_confidence: mean max-class probability over unlabeled items (None if none left).
    eval_accuracy: accuracy on the optional held-out set (None when none was given).
    """

    n_labeled: int
    n_unlabeled: int
    n_classes_seen: int
    train_accuracy: float
    pool_mean_confidence: float | None
    eval_accuracy: float | None


@dataclass(frozen=True)
class RoundResult:
    """Outcome of one round.

    selected: int64 item indices to label next, most wanted first.
    scores: float64 strategy utility of each selected item (see `Selection`).
    priorities: float64 queue priority per selected item, (k - rank) / k, so the first pick gets
        1.0 and the last 1/k; the service raises the items' queue priority by it.
    metrics: model figures, or None when no model could be trained (fewer than two classes
        labeled and the strategy does not need one); `metrics_reason` then says why.
    """

    selected: NDArray[np.int64]
    scores: NDArray[np.float64]
    priorities: NDArray[np.float64]
    metrics: ModelMetrics | None
    metrics_reason: str | None


@dataclass(frozen=True)
class FittedModel:
    """A trained classifier and the class ids its probability columns map to."""

    model: ProbabilisticClassifier
    classes: NDArray[np.int64]

    def probas(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        """(n, len(classes)) probabilities; classes the model never saw get probability 0."""
        raw = np.asarray(self.model.predict_proba(features), dtype=np.float64)
        model_classes = np.asarray(self.model.classes_).astype(np.int64)
        if model_classes.shape == self.classes.shape and np.array_equal(
            model_classes, self.classes
        ):
            return raw
        full = np.zeros((raw.shape[0], self.classes.size), dtype=np.float64)
        full[:, np.searchsorted(self.classes, model_classes)] = raw
        return full

    def predict(self, features: NDArray[np.float64]) -> NDArray[np.int64]:
        """Class id with the highest probability per row."""
        return self.classes[np.argmax(self.probas(features), axis=1)]


def fit_model(
    features: NDArray[np.float64],
    labels: NDArray[np.int64],
    sample_weight: NDArray[np.float64] | None,
    model_factory: ModelFactory,
    classes: NDArray[np.int64] | None = None,
) -> FittedModel:
    """Train a fresh model from `model_factory` on the items with labels >= 0.

    Inputs must already be checked (see run_round). Raises ActiveLearningInputError when fewer
    than two classes are labeled or every labeled weight is zero.
    """
    labeled = labels != UNLABELED
    seen = np.unique(labels[labeled])
    if seen.size < 2:
        raise ActiveLearningInputError(
            f"labels: a model needs at least two labeled classes, got {seen.size}"
        )
    weights = None if sample_weight is None else sample_weight[labeled]
    if weights is not None and not (weights > 0).any():
        raise ActiveLearningInputError("sample_weight: every labeled item has weight 0")
    if classes is not None and not np.isin(seen, classes).all():
        missing = seen[~np.isin(seen, classes)]
        raise ActiveLearningInputError(f"labels: class id {int(missing[0])} is not in classes")
    model = model_factory()
    if weights is None:
        model.fit(features[labeled], labels[labeled])
    else:
        model.fit(features[labeled], labels[labeled], sample_weight=weights)
    return FittedModel(model, seen if classes is None else classes)


def priorities_for(n_selected: int) -> NDArray[np.float64]:
    """Queue priorities (k - rank) / k for k picks in pick order."""
    if n_selected == 0:
        return np.zeros(0, dtype=np.float64)
    return (n_selected - np.arange(n_selected, dtype=np.float64)) / n_selected


def strategy_input(
    strategy: QueryStrategy,
    fitted: FittedModel | None,
    features: NDArray[np.float64],
    uncertainty_scores: Any,
) -> NDArray[np.float64] | None:
    """The `probas_or_scores` argument `strategy` expects, or a ValueError naming what's missing."""
    if strategy.input_kind == "probas":
        if fitted is None:
            raise ActiveLearningInputError(
                f"labels: strategy {strategy.name!r} needs a trained model, which needs at least "
                "two labeled classes (start with RandomSampling or DiversitySampling)"
            )
        return fitted.probas(features)
    if strategy.input_kind == "scores":
        if uncertainty_scores is None:
            raise ActiveLearningInputError(
                f"uncertainty_scores: strategy {strategy.name!r} needs per-item scores"
            )
        return as_unit_scores(uncertainty_scores, features.shape[0], "uncertainty_scores")
    return None


def run_round(
    features: Any,
    labels: Any,
    sample_weight: Any,
    model_factory: ModelFactory,
    strategy: QueryStrategy,
    batch_size: int,
    seed: int,
    *,
    embeddings: Any = None,
    uncertainty_scores: Any = None,
    classes: Sequence[int] | None = None,
    eval_features: Any = None,
    eval_labels: Any = None,
) -> RoundResult:
    """Train on the labeled items, score the pool and select the next batch.

    features: (n, d) model inputs. labels: (n,) int class ids, -1 = unlabeled.
    sample_weight: None or (n,) weights >= 0 for training; e.g. labels from annotators with weak
        gold scores get less than 1 (only labeled items' weights are used).
    model_factory: zero-argument callable returning an unfitted scikit-learn style classifier.
    strategy: any QueryStrategy. batch_size: how many items to pick. seed: seeds the strategy's
        random generator (same inputs + seed = same selection).
    embeddings: (n, e) vectors for diversity strategies (default: `features`), e.g. SAM 2
        image embeddings. uncertainty_scores: (n,) in [0, 1] for 'scores' strategies.
    classes: every class id of the project, so probability columns are stable across rounds.
    eval_features / eval_labels: optional held-out set for `metrics.eval_accuracy`.
    """
    matrix = as_features(features, None)
    n_items = matrix.shape[0]
    label_vector = as_labels(labels)
    if label_vector.shape[0] != n_items:
        raise ActiveLearningInputError(
            f"labels: expected {n_items} values (one per item), got {label_vector.shape[0]}"
        )
    weights = as_sample_weight(sample_weight, n_items)
    k = as_batch_size(batch_size)
    if not isinstance(strategy, QueryStrategy):
        raise ActiveLearningInputError(f"strategy: {strategy!r} does not implement QueryStrategy")
    class_ids = None if classes is None else np.unique(np.asarray(classes, dtype=np.int64))
    labeled = label_vector != UNLABELED
    n_seen = int(np.unique(label_vector[labeled]).size)

    fitted: FittedModel | None = None
    metrics: ModelMetrics | None = None
    reason: str | None = f"only {n_seen} labeled class(es); a model needs two"
    if n_seen >= 2:
        fitted = fit_model(matrix, label_vector, weights, model_factory, class_ids)
        metrics = _metrics(fitted, matrix, label_vector, eval_features, eval_labels)
        reason = None

    diversity_space = None
    if strategy.needs_features:
        diversity_space = (
            matrix if embeddings is None else as_features(embeddings, n_items, "embeddings")
        )
    rng = np.random.default_rng(seed)
    selection: Selection = strategy.select(
        strategy_input(strategy, fitted, matrix, uncertainty_scores),
        diversity_space,
        k,
        labeled,
        rng,
    )
    return RoundResult(
        selected=selection.indices,
        scores=selection.scores,
        priorities=priorities_for(selection.indices.size),
        metrics=metrics,
        metrics_reason=reason,
    )


def _metrics(
    fitted: FittedModel,
    features: NDArray[np.float64],
    labels: NDArray[np.int64],
    eval_features: Any,
    eval_labels: Any,
) -> ModelMetrics:
    labeled = labels != UNLABELED
    train_accuracy = float(np.mean(fitted.predict(features[labeled]) == labels[labeled]))
    pool_confidence = None
    if (~labeled).any():
        pool_confidence = float(fitted.probas(features[~labeled]).max(axis=1).mean())
    eval_accuracy = None
    if eval_features is not None or eval_labels is not None:
        eval_accuracy = evaluate_accuracy(fitted, eval_features, eval_labels, features.shape[1])
    return ModelMetrics(
        n_labeled=int(labeled.sum()),
        n_unlabeled=int((~labeled).sum()),
        n_classes_seen=int(np.unique(labels[labeled]).size),
        train_accuracy=train_accuracy,
        pool_mean_confidence=pool_confidence,
        eval_accuracy=eval_accuracy,
    )


def evaluate_accuracy(
    fitted: FittedModel, eval_features: Any, eval_labels: Any, n_features: int
) -> float | None:
    """Plain accuracy of `fitted` on a held-out set; None for an empty set."""
    if eval_features is None or eval_labels is None:
        raise ActiveLearningInputError("eval_features/eval_labels: give both or neither")
    matrix = as_features(eval_features, None, "eval_features")
    truth = as_labels(eval_labels)
    if truth.shape[0] != matrix.shape[0] or matrix.shape[1] != n_features:
        raise ActiveLearningInputError(
            "eval_labels: expected one label per eval_features row, with matching feature width"
        )
    if truth.size == 0:
        return None
    return float(np.mean(fitted.predict(matrix) == truth))
