"""Honeypot policy: when an annotator's next item should be a gold item.

As Labelbox runs benchmarks: the first `initial_count` items of a new annotator are gold, then
each pull is gold with probability r. labelqc adapts r to the annotator's gold accuracy:

    r_eff = clip(r * (1 + gain * (target - accuracy) / target), r * floor_factor, ceiling)

so an annotator under target sees more gold (up to `ceiling`) and a strong one less (down to
`floor_factor * r`). With fewer than `min_scored` scored honeypots the base rate applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class HoneypotPolicy:
    initial_count: int = 5
    rate: float = 0.10
    target_accuracy: float = 0.8
    gain: float = 4.0
    floor_factor: float = 0.5
    ceiling: float = 0.5
    min_scored: int = 3

    def __post_init__(self) -> None:
        if self.initial_count < 0:
            raise ValueError("initial_count: must be >= 0")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate: must be in [0, 1]")
        if not 0.0 < self.target_accuracy <= 1.0:
            raise ValueError("target_accuracy: must be in (0, 1]")


def adaptive_rate(policy: HoneypotPolicy, accuracy: float | None, n_scored: int) -> float:
    """The gold probability for an annotator whose mean gold accuracy is `accuracy`."""
    if accuracy is None or n_scored < policy.min_scored:
        return policy.rate
    shortfall = (policy.target_accuracy - accuracy) / policy.target_accuracy
    rate = policy.rate * (1.0 + policy.gain * shortfall)
    upper = max(policy.ceiling, policy.rate)
    return float(min(max(rate, policy.rate * policy.floor_factor), upper))


def serve_gold(
    policy: HoneypotPolicy,
    *,
    n_served: int,
    accuracy: float | None,
    n_scored: int,
    draw: float,
) -> bool:
    """Whether the pull after `n_served` items is a honeypot; `draw` is uniform in [0, 1)."""
    if n_served < policy.initial_count:
        return True
    return draw < adaptive_rate(policy, accuracy, n_scored)


def qualification_outcome(scores: Sequence[float], required: int, threshold: float) -> str:
    """ "passed" or "failed" once `required` gold items are scored (their mean, in the order
    given, against `threshold`); "pending" before. Only the first `required` scores count, so
    a decision never changes with later work."""
    if required < 1:
        raise ValueError("required: must be >= 1")
    if not 0.0 <= threshold <= 1.0:
        raise ValueError("threshold: must be in [0, 1]")
    if len(scores) < required:
        return "pending"
    return (
        "passed"
        if float(np.mean(np.asarray(scores[:required], dtype=np.float64))) >= threshold
        else "failed"
    )
