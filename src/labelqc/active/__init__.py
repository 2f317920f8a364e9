"""Active learning: uncertainty, diversity and hybrid query strategies, rounds and simulation.

Pure numpy + scikit-learn style models; no service imports.
"""

from labelqc.active._validation import ActiveLearningInputError
from labelqc.active.kcenter import KCenterPicks, k_center_greedy, nearest_center_distances
from labelqc.active.rounds import (
    FittedModel,
    ModelFactory,
    ModelMetrics,
    ProbabilisticClassifier,
    RoundResult,
    fit_model,
    priorities_for,
    run_round,
)
from labelqc.active.simulation import (
    LearningCurve,
    labels_to_reach,
    median_labels_to_reach,
    random_initial_indices,
    simulate_learning_curve,
)
from labelqc.active.strategies import (
    DiversitySampling,
    HybridSampling,
    QueryStrategy,
    RandomSampling,
    Sam2UncertaintySampling,
    Selection,
    UncertaintySampling,
)
from labelqc.active.uncertainty import (
    UncertaintyMethod,
    entropy_scores,
    least_confidence_scores,
    margin_scores,
    uncertainty_scores,
)

__all__ = [
    "ActiveLearningInputError",
    "DiversitySampling",
    "FittedModel",
    "HybridSampling",
    "KCenterPicks",
    "LearningCurve",
    "ModelFactory",
    "ModelMetrics",
    "ProbabilisticClassifier",
    "QueryStrategy",
    "RandomSampling",
    "RoundResult",
    "Sam2UncertaintySampling",
    "Selection",
    "UncertaintyMethod",
    "UncertaintySampling",
    "entropy_scores",
    "fit_model",
    "k_center_greedy",
    "labels_to_reach",
    "least_confidence_scores",
    "margin_scores",
    "median_labels_to_reach",
    "nearest_center_distances",
    "priorities_for",
    "random_initial_indices",
    "run_round",
    "simulate_learning_curve",
    "uncertainty_scores",
]
