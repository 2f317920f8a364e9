"""Result and error types shared by the agreement functions."""

from __future__ import annotations

from dataclasses import dataclass


class UndefinedAgreement(ValueError):
    """Raised when an agreement coefficient is mathematically undefined for the given data.

    Examples: a single annotator, a single category overall (chance agreement is 1, so
    expected disagreement is 0), or no unit rated by two or more coders. ``reason`` holds a
    sentence a report can show as is.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AgreementResult:
    """A report-facing agreement value: ``value`` is None exactly when ``reason`` says why.

    Attributes:
        metric: which coefficient (e.g. ``"krippendorff_alpha"``, ``"cohen_kappa"``).
        value: the coefficient, or None when undefined.
        reason: why ``value`` is None (None when it is defined).
        n_units: units (items, objects, subjects) that entered the computation.
        n_coders: distinct coders / annotators seen.
        level: level of measurement or weighting scheme, where one applies.
        ci_low, ci_high: percentile bootstrap interval, None when not computed or undefined.
        confidence: nominal coverage of the interval (e.g. 0.95), None when not computed.
        n_boot: bootstrap replicates drawn.
        n_boot_defined: replicates whose coefficient was defined (the interval uses these).
    """

    metric: str
    value: float | None
    reason: str | None
    n_units: int
    n_coders: int
    level: str | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    confidence: float | None = None
    n_boot: int = 0
    n_boot_defined: int = 0
