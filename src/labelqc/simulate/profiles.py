"""Annotator behaviour profiles: one frozen dataclass of parameters, presets, composition.

A profile describes how one annotator turns a true object into a label (or misses it), how many
spurious boxes they add and how fast they work. "Static" faults (box scale, small-object misses,
class swaps, spam) start at `fault_onset_day` (0 = from the first task); drift ramps in from
`drift_onset_day` over `drift_ramp_days`. Presets return profiles; `compose` merges them so an
annotator can be, say, loose-box and a class confuser at once.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from labelqc.simulate.classes import CONFUSABLE_PAIR

FAULT_KINDS: tuple[str, ...] = (
    "loose_box",
    "tight_box",
    "class_confusion",
    "misses_small",
    "drift",
    "spam",
)


@dataclass(frozen=True)
class AnnotatorProfile:
    """Parameters of one annotator's behaviour (all probabilities per true object unless said).

    box_jitter: std of each box edge's displacement, as a fraction of the true side length.
    box_scale_range: (low, high) of a per-box multiplier of both sides, drawn uniformly
        (1.10-1.20 = loose boxes, below 1 = tight boxes); the box centre is kept.
    miss_rate: probability of not labelling an object.
    small_miss_rate: extra miss probability for small objects (area < SMALL_AREA, COCO small).
    class_noise: probability of labelling an object with a uniformly drawn other class.
    swap_pair / swap_rate: an object of either class of the pair is given the other class
        with this probability.
    false_positive_rate: Poisson mean of spurious boxes per task.
    spam_rate: probability that a whole task is spam: a random number of random boxes with
        random classes, unrelated to the objects.
    fault_onset_day: first program day on which the static faults above (box scale, small
        misses, swaps, spam) apply; before it the annotator uses box_scale 1 and no swaps/spam.
    drift_onset_day: first day of drift (None = no drift); degradation then ramps linearly from
        1/drift_ramp_days to 1 and adds drift_box_jitter, drift_miss_rate, drift_class_noise
        times the degradation to the jitter, miss rate and class noise.
    seconds_per_object / seconds_per_task: mean working time (lognormal, sigma 0.3).
    flag_error: probability of flipping an object's occluded or truncated flag.
    """

    name: str = "clean"
    box_jitter: float = 0.04
    box_scale_range: tuple[float, float] = (1.0, 1.0)
    miss_rate: float = 0.02
    small_miss_rate: float = 0.0
    class_noise: float = 0.01
    swap_pair: tuple[int, int] = CONFUSABLE_PAIR
    swap_rate: float = 0.0
    false_positive_rate: float = 0.03
    spam_rate: float = 0.0
    fault_onset_day: int = 0
    drift_onset_day: int | None = None
    drift_ramp_days: float = 3.0
    drift_box_jitter: float = 0.12
    drift_miss_rate: float = 0.25
    drift_class_noise: float = 0.15
    seconds_per_object: float = 6.0
    seconds_per_task: float = 10.0
    flag_error: float = 0.05

    def __post_init__(self) -> None:
        unit = (
            "miss_rate",
            "small_miss_rate",
            "class_noise",
            "swap_rate",
            "spam_rate",
            "drift_miss_rate",
            "drift_class_noise",
            "flag_error",
        )
        for name in unit:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{self.name}.{name}: must be in [0, 1], got {value}")
        for name in ("box_jitter", "drift_box_jitter", "false_positive_rate"):
            if getattr(self, name) < 0:
                raise ValueError(f"{self.name}.{name}: must be >= 0")
        low, high = self.box_scale_range
        if not 0.0 < low <= high:
            raise ValueError(f"{self.name}.box_scale_range: need 0 < low <= high, got {low, high}")
        if len(self.swap_pair) != 2 or self.swap_pair[0] == self.swap_pair[1]:
            raise ValueError(f"{self.name}.swap_pair: need two different class ids")
        if self.drift_ramp_days <= 0:
            raise ValueError(f"{self.name}.drift_ramp_days: must be > 0")
        if self.fault_onset_day < 0 or (
            self.drift_onset_day is not None and self.drift_onset_day < 0
        ):
            raise ValueError(f"{self.name}: onset days must be >= 0")
        if self.seconds_per_object <= 0 or self.seconds_per_task < 0:
            raise ValueError(
                f"{self.name}: seconds_per_object > 0 and seconds_per_task >= 0 needed"
            )

    def fault_kinds(self) -> tuple[str, ...]:
        """Planted faults this profile carries, a subset of FAULT_KINDS in that order."""
        low, high = self.box_scale_range
        mean_scale = (low + high) / 2
        present = {
            "loose_box": mean_scale >= 1.05,
            "tight_box": mean_scale <= 0.95,
            "class_confusion": self.swap_rate > 0,
            "misses_small": self.small_miss_rate >= 0.2,
            "drift": self.drift_onset_day is not None,
            "spam": self.spam_rate > 0,
        }
        return tuple(kind for kind in FAULT_KINDS if present[kind])

    def onset_day(self, fault: str) -> int:
        """Program day from which `fault` is active."""
        if fault not in FAULT_KINDS:
            raise ValueError(f"fault: unknown kind {fault!r}")
        if fault == "drift":
            return int(self.drift_onset_day or 0)
        return self.fault_onset_day


_DEFAULT = AnnotatorProfile()


def clean() -> AnnotatorProfile:
    """Ordinary competent annotator (the defaults)."""
    return _DEFAULT


def careful() -> AnnotatorProfile:
    """Small jitter, rare misses and class slips, slower."""
    return replace(
        _DEFAULT,
        name="careful",
        box_jitter=0.015,
        miss_rate=0.005,
        class_noise=0.003,
        false_positive_rate=0.01,
        seconds_per_object=9.0,
    )


def loose_box(low: float = 1.10, high: float = 1.20, *, onset_day: int = 0) -> AnnotatorProfile:
    """Boxes inflated: each side multiplied by U(low, high) (10-20% by default)."""
    return replace(
        _DEFAULT, name="loose_box", box_scale_range=(low, high), fault_onset_day=onset_day
    )


def tight_box(low: float = 0.82, high: float = 0.90, *, onset_day: int = 0) -> AnnotatorProfile:
    """Boxes deflated: each side multiplied by U(low, high)."""
    return replace(
        _DEFAULT, name="tight_box", box_scale_range=(low, high), fault_onset_day=onset_day
    )


def class_confuser(
    pair: tuple[int, int] = CONFUSABLE_PAIR, rate: float = 0.20, *, onset_day: int = 0
) -> AnnotatorProfile:
    """Swaps the two classes of `pair` with probability `rate` (20% by default)."""
    return replace(
        _DEFAULT, name="class_confuser", swap_pair=pair, swap_rate=rate, fault_onset_day=onset_day
    )


def misses_small(rate: float = 0.70, *, onset_day: int = 0) -> AnnotatorProfile:
    """Skips small objects (area below 32x32 px) with extra probability `rate`."""
    return replace(_DEFAULT, name="misses_small", small_miss_rate=rate, fault_onset_day=onset_day)


def drifter(onset_day: int = 10, ramp_days: float = 3.0) -> AnnotatorProfile:
    """Quality degrades from `onset_day`: more jitter, misses and class noise, ramping in."""
    return replace(_DEFAULT, name="drifter", drift_onset_day=onset_day, drift_ramp_days=ramp_days)


def spammer(rate: float = 0.8, *, onset_day: int = 0) -> AnnotatorProfile:
    """Submits random boxes with random classes on `rate` of tasks, and works fast."""
    return replace(
        _DEFAULT,
        name="spammer",
        spam_rate=rate,
        seconds_per_object=1.5,
        seconds_per_task=3.0,
        fault_onset_day=onset_day,
    )


PRESETS = {
    "clean": clean,
    "careful": careful,
    "loose_box": loose_box,
    "tight_box": tight_box,
    "class_confuser": class_confuser,
    "misses_small": misses_small,
    "drifter": drifter,
    "spammer": spammer,
}


def compose(*profiles: AnnotatorProfile, name: str | None = None) -> AnnotatorProfile:
    """Merge profiles: for each parameter the last profile that changes it from the default wins.

    The name is `name` or the non-default names joined with "+".
    """
    if not profiles:
        raise ValueError("profiles: at least one profile is needed")
    merged: dict[str, object] = {}
    for profile in profiles:
        for field in fields(AnnotatorProfile):
            if field.name == "name":
                continue
            value = getattr(profile, field.name)
            if value != getattr(_DEFAULT, field.name):
                merged[field.name] = value
    names = [p.name for p in profiles if p.name != _DEFAULT.name] or [_DEFAULT.name]
    return replace(_DEFAULT, name=name or "+".join(names), **merged)
