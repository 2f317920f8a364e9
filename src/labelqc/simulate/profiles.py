"""Annotator behaviour profiles: one frozen dataclass of parameters, presets, composition.

A profile describes how one annotator turns a true object into a label (or misses it), how many
spurious boxes they add and how fast they work. "Static" faults (box scale, small-object misses,
class swaps, spam) start at `fault_onset_day` (0 = from the first task); drift ramps in from
`drift_onset_day` over `drift_ramp_days`. Presets return profiles; `compose` merges them so an
annotator can be, say, loose-box and a class confuser at once.

The draft parameters (`draft_trust` and the five after it) matter only in a program with a
detector (`ProgramSpec.detector`): there the annotator sees the detector's drafts and keeps some
of them instead of drawing their own label. Without a detector they are ignored, so existing
programs are unchanged.
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
    "automation_bias",
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

    Drafts (only in a program with a detector; per draft the annotator sees). The annotator
    compares each draft of a true object with the label they would draw themselves: it *agrees*
    when they would label the object, with the draft's class, and their box has IoU >=
    draft_agree_iou with the draft's; otherwise it is visibly wrong to them (off box, other
    class, or an object they would not label).
    draft_trust: probability of keeping an agreeing draft as is (box and class) instead of
        drawing their own label.
    wrong_draft_trust: probability of keeping a draft that does not agree (careful annotators
        fix those; a rubber-stamper keeps them: automation bias).
    spurious_draft_trust: probability of keeping a draft on background (no object under it).
    draft_agree_iou: IoU between the draft and their own box from which the draft agrees.
    undrafted_miss_rate: extra miss probability for an object the detector left without a draft
        (an over-truster trusts the detector's silence too).
    seconds_per_kept_draft: mean time to check and keep a draft (instead of seconds_per_object).
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
    draft_trust: float = 0.9
    wrong_draft_trust: float = 0.1
    spurious_draft_trust: float = 0.05
    draft_agree_iou: float = 0.8
    undrafted_miss_rate: float = 0.0
    seconds_per_kept_draft: float = 2.0

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
            "draft_trust",
            "wrong_draft_trust",
            "spurious_draft_trust",
            "draft_agree_iou",
            "undrafted_miss_rate",
        )
        for name in unit:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{self.name}.{name}: must be in [0, 1], got {value}")
        for name in (
            "box_jitter",
            "drift_box_jitter",
            "false_positive_rate",
            "seconds_per_kept_draft",
        ):
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
            "automation_bias": max(self.wrong_draft_trust, self.spurious_draft_trust) >= 0.5
            or self.undrafted_miss_rate >= 0.2,
        }
        return tuple(kind for kind in FAULT_KINDS if present[kind])

    def onset_day(self, fault: str) -> int:
        """Program day from which `fault` is active (draft trust applies from the first task)."""
        if fault not in FAULT_KINDS:
            raise ValueError(f"fault: unknown kind {fault!r}")
        if fault == "drift":
            return int(self.drift_onset_day or 0)
        if fault == "automation_bias":
            return 0
        return self.fault_onset_day


_DEFAULT = AnnotatorProfile()


def clean() -> AnnotatorProfile:
    """Ordinary competent annotator (the defaults)."""
    return _DEFAULT


def careful() -> AnnotatorProfile:
    """Small jitter, rare misses and class slips, slower; a higher bar for keeping drafts."""
    return replace(
        _DEFAULT,
        name="careful",
        box_jitter=0.015,
        miss_rate=0.005,
        class_noise=0.003,
        false_positive_rate=0.01,
        seconds_per_object=9.0,
        draft_agree_iou=0.85,
        wrong_draft_trust=0.03,
        spurious_draft_trust=0.01,
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


def rubber_stamp(rate: float = 0.9, *, undrafted_miss_rate: float = 0.4) -> AnnotatorProfile:
    """Keeps the detector's drafts whatever they look like (automation bias).

    Visibly wrong drafts (off box, wrong class) and drafts on background are kept with `rate`,
    agreeing ones almost always; objects the detector did not draft are missed with extra
    probability `undrafted_miss_rate`; keeping a draft takes about a second. Has an effect only
    in a program with a detector.
    """
    return replace(
        _DEFAULT,
        name="rubber_stamp",
        draft_trust=max(rate, 0.98),
        wrong_draft_trust=rate,
        spurious_draft_trust=rate,
        undrafted_miss_rate=undrafted_miss_rate,
        seconds_per_kept_draft=1.0,
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
    "rubber_stamp": rubber_stamp,
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
