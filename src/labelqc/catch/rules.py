"""Decision rules of the catch detector: one frozen dataclass per signal, set by a QA manager.

Every rule states what is measured, over which evidence, and when it fires. The defaults were
tuned on seed 0 only (the benchmark program :func:`labelqc.catch.catch_spec`, and the same seed
at 40,000 items with 64 clean annotators instead of 24) and are reported on other seeds
(docs/bench-catch-rate.md).
``z`` values are one-sided normal quantiles of the confidence bound a rule demands (2.33 = 99%).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SIGNALS: tuple[str, ...] = (
    "gold_accuracy",
    "size_bias",
    "class_confusion",
    "missing",
    "iaa",
    "drift",
)
CLASS_SIGNAL = "ambiguous_class"


class CatchRuleError(ValueError):
    """A rule threshold is outside its domain; the message names the field."""


def _check(condition: bool, name: str, value: object, expected: str) -> None:
    if not condition:
        raise CatchRuleError(f"{name}: expected {expected}, got {value!r}")


def _positive_int(name: str, value: object) -> None:
    _check(
        isinstance(value, int) and not isinstance(value, bool) and value >= 1,
        name,
        value,
        "an int >= 1",
    )


def _fraction(name: str, value: float) -> None:
    _check(0.0 < float(value) < 1.0, name, value, "a value in (0, 1)")


def _positive(name: str, value: float) -> None:
    _check(float(value) > 0.0, name, value, "a value > 0")


@dataclass(frozen=True)
class GoldAccuracyRule:
    """Honeypot accuracy below target, by a lower tabular CUSUM over the annotator's honeypots.

    Each honeypot is one sample: its accuracy TP / (TP + FP + FN) (class-aware matching at
    ``CatchRules.gold_iou_threshold``) over its n = TP + FP + FN outcomes. The CUSUM
    (:func:`labelqc.drift.cusum_chart`) runs against ``target`` with per-outcome sigma
    ``dispersion * sqrt(target (1 - target))``: outcomes of one item are correlated (a dense or
    hard scene), so the binomial sigma is inflated by ``dispersion``. Fires when the lower sum
    exceeds ``h`` (k and h in sigma units).
    """

    target: float = 0.80
    dispersion: float = 2.0
    k: float = 0.5
    h: float = 5.0

    def __post_init__(self) -> None:
        _fraction("gold_accuracy.target", self.target)
        _positive("gold_accuracy.dispersion", self.dispersion)
        _check(self.k >= 0, "gold_accuracy.k", self.k, "a value >= 0")
        _positive("gold_accuracy.h", self.h)


@dataclass(frozen=True)
class SizeBiasRule:
    """Loose or tight boxes: mean log(area ratio) of gold matches beyond +/- ``band``.

    Over the pairs of the annotator's last ``window_gold_items`` honeypots (class-agnostic
    matches, :func:`labelqc.quality.size_bias`), fires when |mean| > ``band`` and the mean's
    ``z``-sided confidence interval (standard error clustered by honeypot) does not cover 0,
    with at least ``min_pairs`` pairs. log 1.21 = 0.19 is a box 10% too large on each side.
    """

    band: float = 0.10
    z: float = 2.33
    window_gold_items: int = 10
    min_pairs: int = 20

    def __post_init__(self) -> None:
        _positive("size_bias.band", self.band)
        _positive("size_bias.z", self.z)
        _positive_int("size_bias.window_gold_items", self.window_gold_items)
        _positive_int("size_bias.min_pairs", self.min_pairs)


@dataclass(frozen=True)
class ConfusionRule:
    """Class confusion on gold: a class pair swapped more often than the rest of the team does.

    For each unordered pair of classes {c, d}: swaps = matches of gold c drawn as d plus gold d
    drawn as c; rate = swaps / matches whose gold class is c or d (class-agnostic matching,
    :func:`labelqc.quality.confusion_counts`), over the annotator's last ``window_gold_items``
    honeypots. The team rate is the same ratio pooled over every other annotator's honeypots
    so far; it absorbs confusion that everyone shares (an ambiguous class is a guideline
    fault, flagged by :class:`ClassAmbiguityRule`, not an annotator's). Fires when the rate's
    lower Wilson bound (``z``) exceeds the team rate by more than ``bound``, with at least
    ``min_matches`` matches of the pair in the window and ``min_team_matches`` behind the team
    rate.
    """

    bound: float = 0.05
    z: float = 2.33
    window_gold_items: int = 10
    min_matches: int = 30
    min_team_matches: int = 200

    def __post_init__(self) -> None:
        _fraction("class_confusion.bound", self.bound)
        _positive("class_confusion.z", self.z)
        _positive_int("class_confusion.window_gold_items", self.window_gold_items)
        _positive_int("class_confusion.min_matches", self.min_matches)
        _positive_int("class_confusion.min_team_matches", self.min_team_matches)


@dataclass(frozen=True)
class MissingRule:
    """Missed objects: recall on small gold objects, or overall, below a bound.

    Recall = matched gold objects / gold objects (class-agnostic, so a wrong class is not a
    miss) over the last ``window_gold_items`` honeypots; small = gold area below
    ``small_area`` (COCO: 32 x 32 px). Fires when the upper Wilson bound (``z``) of the small
    recall is below ``small_recall_bound`` (at least ``min_small`` small objects), or that of
    the overall recall below ``recall_bound`` (at least ``min_objects`` objects).
    """

    small_recall_bound: float = 0.80
    recall_bound: float = 0.85
    small_area: float = 1024.0
    z: float = 2.33
    window_gold_items: int = 10
    min_small: int = 15
    min_objects: int = 40

    def __post_init__(self) -> None:
        _fraction("missing.small_recall_bound", self.small_recall_bound)
        _fraction("missing.recall_bound", self.recall_bound)
        _positive("missing.small_area", self.small_area)
        _positive("missing.z", self.z)
        _positive_int("missing.window_gold_items", self.window_gold_items)
        _positive_int("missing.min_small", self.min_small)
        _positive_int("missing.min_objects", self.min_objects)


@dataclass(frozen=True)
class IaaRule:
    """Disagreeing with co-annotators more than they disagree with everyone else (no gold).

    On regular items with two or more annotators, boxes are grouped into objects
    (:func:`labelqc.report.iaa.unit_labels` at ``iou_threshold``, class-agnostic); for every
    pair of the item's annotators and every object at least one of them drew, the pair
    disagrees when their classes differ or one drew nothing. For annotator a and partner b on
    an item: residual = disagreements - comparisons x b's own disagreement rate (over all b's
    comparisons known by then, this item left out; used once b has ``min_partner_comparisons``),
    so a spammer partner, who disagrees with everybody, does not count against a. The excess
    disagreement is the sum of residuals over the comparisons that became known during a's
    last ``window_items`` items, divided by their number. Fires when excess - ``z`` * SE
    (clustered by item and partner) > ``margin``, with at least ``min_comparisons``.
    """

    margin: float = 0.05
    z: float = 2.33
    window_items: int = 50
    min_comparisons: int = 150
    min_partner_comparisons: int = 50
    iou_threshold: float = 0.5

    def __post_init__(self) -> None:
        _fraction("iaa.margin", self.margin)
        _positive("iaa.z", self.z)
        _positive_int("iaa.window_items", self.window_items)
        _positive_int("iaa.min_comparisons", self.min_comparisons)
        _positive_int("iaa.min_partner_comparisons", self.min_partner_comparisons)
        _check(0.0 < self.iou_threshold <= 1.0, "iaa.iou_threshold", self.iou_threshold, "(0, 1]")


@dataclass(frozen=True)
class DriftRule:
    """Drift against the annotator's own baseline: daily honeypot accuracy and IoU.

    Per ``window``, honeypot accuracy and mean IoU pooled over the window's objects; each
    annotator's level comes from their first ``baseline_windows`` windows and the per-object
    sigma is clustered by honeypot and pooled over annotators
    (:mod:`labelqc.catch.drift_signal`, :func:`labelqc.drift.detect_drift`). Fires at the end
    of the first window where the lower CUSUM (k, h) or the EWMA (lam, sigma_multiple) falls
    below its limit on either metric; upward shifts are improvements and ignored.
    """

    window: str = "1D"
    baseline_windows: int = 7
    k: float = 1.0
    h: float = 10.0
    lam: float = 0.2
    sigma_multiple: float = 3.5

    def __post_init__(self) -> None:
        _positive_int("drift.baseline_windows", self.baseline_windows)
        _check(self.k >= 0, "drift.k", self.k, "a value >= 0")
        _positive("drift.h", self.h)
        _check(0.0 < self.lam <= 1.0, "drift.lam", self.lam, "(0, 1]")
        _positive("drift.sigma_multiple", self.sigma_multiple)


@dataclass(frozen=True)
class ClassAmbiguityRule:
    """A class-level fault: per-class agreement below ``floor`` (an ambiguous guideline).

    Per class c, Krippendorff's nominal alpha of the labels recoded "c" / "not c" over objects
    drawn by two or more annotators (label agreement; a missing box is a detection matter, not
    a class one), on regular items and, with ``include_honeypots``, on honeypots several
    annotators labelled (their truth is not used). Evaluated after every
    ``check_every_items`` completed regular items of the program; fires when alpha < ``floor``
    with at least ``min_values`` pairable values of c.
    """

    floor: float = 0.70
    min_values: int = 50
    check_every_items: int = 10
    include_honeypots: bool = True

    def __post_init__(self) -> None:
        _check(-1.0 <= self.floor < 1.0, "ambiguous_class.floor", self.floor, "[-1, 1)")
        _positive_int("ambiguous_class.min_values", self.min_values)
        _positive_int("ambiguous_class.check_every_items", self.check_every_items)


@dataclass(frozen=True)
class CatchRules:
    """All decision rules; ``check_every_items`` = how often (in each annotator's own items)
    the per-annotator signals are evaluated; ``gold_iou_threshold`` matches gold objects."""

    gold_accuracy: GoldAccuracyRule = field(default_factory=GoldAccuracyRule)
    size_bias: SizeBiasRule = field(default_factory=SizeBiasRule)
    class_confusion: ConfusionRule = field(default_factory=ConfusionRule)
    missing: MissingRule = field(default_factory=MissingRule)
    iaa: IaaRule = field(default_factory=IaaRule)
    drift: DriftRule = field(default_factory=DriftRule)
    ambiguous_class: ClassAmbiguityRule = field(default_factory=ClassAmbiguityRule)
    check_every_items: int = 1
    gold_iou_threshold: float = 0.5

    def __post_init__(self) -> None:
        _positive_int("check_every_items", self.check_every_items)
        _check(
            0.0 < self.gold_iou_threshold <= 1.0,
            "gold_iou_threshold",
            self.gold_iou_threshold,
            "(0, 1]",
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict of every threshold (JSON-ready)."""
        return asdict(self)
