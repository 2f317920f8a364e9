"""Query strategies: which unlabeled items a human should label next.

Every strategy follows one protocol, `QueryStrategy`:

    select(probas_or_scores, features, batch_size, labeled_mask, rng) -> Selection

- probas_or_scores: what the strategy's `input_kind` says: "probas" = an (n_items, n_classes)
  probability matrix from a model, "scores" = an (n_items,) vector of uncertainty scores in
  [0, 1] (e.g. from SAM 2), "none" = ignored (may be None).
- features: an (n_items, n_features) matrix for strategies with `needs_features`; else ignored.
- labeled_mask: (n_items,) bool; labeled items are never selected.
- rng: a numpy Generator; the only source of randomness, so a selection is a pure function of
  its inputs and the generator's seed.
The result lists at most `batch_size` unlabeled items in pick order (fewer only when fewer are
unlabeled), with each pick's utility. Ties between equal utilities are broken at random (by
`rng`), so arbitrary item order never biases a batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from labelqc.active._validation import (
    ActiveLearningInputError,
    as_batch_size,
    as_features,
    as_labeled_mask,
    as_probas,
    as_unit_scores,
)
from labelqc.active.kcenter import k_center_greedy
from labelqc.active.uncertainty import UNCERTAINTY_SCORERS, UncertaintyMethod

InputKind = Literal["probas", "scores", "none"]


@dataclass(frozen=True)
class Selection:
    """Items chosen by a strategy, in pick order (first = most wanted).

    indices: int64 item indices. scores: float64 utility of each pick (uncertainty score,
    distance to the nearest labeled item for diversity, 1.0 for random).
    """

    indices: NDArray[np.int64]
    scores: NDArray[np.float64]


@runtime_checkable
class QueryStrategy(Protocol):
    """Common interface of all strategies (see the module docstring)."""

    @property
    def name(self) -> str: ...

    @property
    def input_kind(self) -> InputKind: ...

    @property
    def needs_features(self) -> bool: ...

    def select(
        self,
        probas_or_scores: Any,
        features: Any,
        batch_size: int,
        labeled_mask: Any,
        rng: np.random.Generator,
    ) -> Selection: ...


def _top_by_score(
    scores: NDArray[np.float64],
    labeled_mask: NDArray[np.bool_],
    k: int,
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """Indices of the k highest-scoring unlabeled items, best first, ties in random order."""
    shuffled = rng.permutation(np.flatnonzero(~labeled_mask))
    negated = -scores[shuffled]
    if k < shuffled.size:
        # O(n) partition first: a round over a million-item pool must not sort it all.
        top = np.argpartition(negated, k - 1)[:k]
        top = top[np.argsort(negated[top], kind="stable")]
    else:
        top = np.argsort(negated, kind="stable")
    return shuffled[top].astype(np.int64)


@dataclass(frozen=True)
class RandomSampling:
    """Uniform random unlabeled items: the baseline every other strategy must beat."""

    name: ClassVar[str] = "random"
    input_kind: ClassVar[InputKind] = "none"
    needs_features: ClassVar[bool] = False

    def select(
        self,
        probas_or_scores: Any,
        features: Any,
        batch_size: int,
        labeled_mask: Any,
        rng: np.random.Generator,
    ) -> Selection:
        """Pick min(batch_size, n_unlabeled) distinct unlabeled items uniformly at random."""
        k = as_batch_size(batch_size)
        mask = as_labeled_mask(labeled_mask, None)
        unlabeled = np.flatnonzero(~mask)
        picks = rng.permutation(unlabeled)[:k].astype(np.int64)
        return Selection(picks, np.ones(picks.size, dtype=np.float64))


@dataclass(frozen=True)
class UncertaintySampling:
    """Most uncertain items first under least confidence, margin or entropy (see uncertainty.py).

    `method` is 'least_confidence', 'margin' or 'entropy'; input_kind 'probas'.
    """

    method: UncertaintyMethod = "margin"
    input_kind: ClassVar[InputKind] = "probas"
    needs_features: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if self.method not in UNCERTAINTY_SCORERS:
            raise ActiveLearningInputError(
                f"method: expected one of {sorted(UNCERTAINTY_SCORERS)}, got {self.method!r}"
            )

    @property
    def name(self) -> str:
        return self.method

    def select(
        self,
        probas_or_scores: Any,
        features: Any,
        batch_size: int,
        labeled_mask: Any,
        rng: np.random.Generator,
    ) -> Selection:
        """Pick the unlabeled rows of `probas_or_scores` with the highest uncertainty score."""
        k = as_batch_size(batch_size)
        probas = as_probas(probas_or_scores, "probas_or_scores")
        mask = as_labeled_mask(labeled_mask, probas.shape[0])
        scores = UNCERTAINTY_SCORERS[self.method](probas)
        picks = _top_by_score(scores, mask, k, rng)
        return Selection(picks, scores[picks])


@dataclass(frozen=True)
class Sam2UncertaintySampling:
    """Items with the highest externally computed uncertainty in [0, 1] first.

    Meant for SAM 2 pre-labels, e.g. 1 - predicted mask IoU (or 1 - object score probability)
    per item; input_kind 'scores'.
    """

    name: ClassVar[str] = "sam2_uncertainty"
    input_kind: ClassVar[InputKind] = "scores"
    needs_features: ClassVar[bool] = False

    def select(
        self,
        probas_or_scores: Any,
        features: Any,
        batch_size: int,
        labeled_mask: Any,
        rng: np.random.Generator,
    ) -> Selection:
        """Pick the unlabeled items with the highest score in `probas_or_scores` (1-D, [0, 1])."""
        k = as_batch_size(batch_size)
        scores = as_unit_scores(probas_or_scores, None, "probas_or_scores")
        mask = as_labeled_mask(labeled_mask, scores.shape[0])
        picks = _top_by_score(scores, mask, k, rng)
        return Selection(picks, scores[picks])


@dataclass(frozen=True)
class DiversitySampling:
    """k-center greedy on `features`: each pick is the item farthest from all labeled items
    and earlier picks (Euclidean). Ignores model outputs; input_kind 'none'."""

    name: ClassVar[str] = "diversity"
    input_kind: ClassVar[InputKind] = "none"
    needs_features: ClassVar[bool] = True

    def select(
        self,
        probas_or_scores: Any,
        features: Any,
        batch_size: int,
        labeled_mask: Any,
        rng: np.random.Generator,
    ) -> Selection:
        """k-center greedy picks; scores are each pick's distance to its nearest center."""
        k = as_batch_size(batch_size)
        matrix = as_features(features, None)
        mask = as_labeled_mask(labeled_mask, matrix.shape[0])
        picks = k_center_greedy(matrix, k, mask, rng=rng)
        return Selection(picks.indices, picks.distances)


@dataclass(frozen=True)
class HybridSampling:
    """Batch-aware uncertainty + diversity ("filter, then spread").

    1. Score every unlabeled item with `method` (margin by default) and keep the
       ceil(candidate_factor * batch_size) most uncertain ones as candidates.
    2. The most uncertain candidate is picked first; then k-center greedy among the candidates
       picks, each step, the candidate farthest (Euclidean, in `features`) from every pick so far.
    So a batch covers several distinct confusions instead of spending its labels on
    near-duplicates of one. Labeled items are deliberately not used as centers: that pushes the
    batch towards outliers far from the labeled set and tested worse (docs/bench-active.md, which
    also shows how the defaults were chosen on a development split, never on the bench's test
    labels). The reported scores are the picks' uncertainty scores.
    """

    method: UncertaintyMethod = "margin"
    candidate_factor: float = 2.0
    name: ClassVar[str] = "hybrid"
    input_kind: ClassVar[InputKind] = "probas"
    needs_features: ClassVar[bool] = True

    def __post_init__(self) -> None:
        if self.method not in UNCERTAINTY_SCORERS:
            raise ActiveLearningInputError(
                f"method: expected one of {sorted(UNCERTAINTY_SCORERS)}, got {self.method!r}"
            )
        if not np.isfinite(self.candidate_factor) or self.candidate_factor < 1.0:
            raise ActiveLearningInputError(
                f"candidate_factor: must be a finite number >= 1, got {self.candidate_factor!r}"
            )

    def select(
        self,
        probas_or_scores: Any,
        features: Any,
        batch_size: int,
        labeled_mask: Any,
        rng: np.random.Generator,
    ) -> Selection:
        """The most uncertain candidate, then k-center greedy spread over the candidates."""
        k = as_batch_size(batch_size)
        probas = as_probas(probas_or_scores, "probas_or_scores")
        matrix = as_features(features, probas.shape[0])
        mask = as_labeled_mask(labeled_mask, probas.shape[0])
        scores = UNCERTAINTY_SCORERS[self.method](probas)
        n_candidates = max(k, int(np.ceil(self.candidate_factor * k)))
        candidates = _top_by_score(scores, mask, n_candidates, rng)
        if candidates.size == 0:
            return Selection(candidates, np.zeros(0, dtype=np.float64))
        first = np.zeros(mask.shape[0], dtype=np.bool_)
        first[candidates[0]] = True
        candidate_mask = np.zeros(mask.shape[0], dtype=np.bool_)
        candidate_mask[candidates] = True
        spread = k_center_greedy(matrix, k - 1, first, candidate_mask)
        picks = np.concatenate([candidates[:1], spread.indices]).astype(np.int64)
        return Selection(picks, scores[picks])
