"""What a simulated labeling program looks like: cohorts, annotators, schedule, review policy."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from labelqc.simulate.classes import AMBIGUOUS_CLASS, CLASS_NAMES, SMALL_AREA
from labelqc.simulate.detector import DetectorSpec
from labelqc.simulate.profiles import (
    AnnotatorProfile,
    careful,
    class_confuser,
    clean,
    drifter,
    loose_box,
    misses_small,
    rubber_stamp,
    spammer,
    tight_box,
)
from labelqc.simulate.synthetic import SceneSpec

COHORT_KINDS: tuple[str, ...] = ("managed", "crowd", "internal")
# The detector whose drafts the demo's annotators see (the demo imports them as pre-labels).
DEMO_DETECTOR = DetectorSpec(confusion=0.10, false_positives_per_item=0.6)

# scikit-image sample photos that segment into several objects each; the caller loads them
# (e.g. [getattr(skimage.data, n)() for n in DEMO_IMAGE_NAMES]) and passes the arrays.
DEMO_IMAGE_NAMES: tuple[str, ...] = (
    "coins",
    "coffee",
    "chelsea",
    "astronaut",
    "rocket",
    "horse",
    "camera",
    "moon",
    "hubble_deep_field",
    "page",
    "text",
)


@dataclass(frozen=True)
class CohortSpec:
    """A group of annotators sharing a contract: kind is managed, crowd or internal."""

    cohort_id: int
    name: str
    kind: str
    vendor: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in COHORT_KINDS:
            raise ValueError(f"cohort {self.cohort_id}.kind: must be one of {COHORT_KINDS}")


@dataclass(frozen=True)
class AnnotatorSpec:
    """One annotator: identity, cohort, behaviour and relative share of the work."""

    annotator_id: int
    name: str
    cohort_id: int
    profile: AnnotatorProfile = field(default_factory=clean)
    throughput: float = 1.0

    def __post_init__(self) -> None:
        if self.annotator_id < 0:
            raise ValueError(f"annotator {self.name}.annotator_id: must be >= 0 (-1 is gold)")
        if self.throughput <= 0:
            raise ValueError(f"annotator {self.annotator_id}.throughput: must be > 0")


@dataclass(frozen=True)
class ProgramSpec:
    """A labeling program to simulate.

    n_items: items in total, gold pool included. gold_pool_size: items with known answers
        (is_gold, ids 1..gold_pool_size) used as honeypots; None = max(2*gold_first_n,
        round(gold_pool_frac*n_items)), capped at n_items - 1.
    gold_first_n / gold_rate: each annotator's first gold_first_n tasks are gold items, then
        before every regular task a gold item is slipped in with probability gold_rate (each
        annotator sees a gold item at most once; injection stops when the pool is used up).
    overlap: (min, max) distinct annotators per regular item, drawn uniformly per item.
    n_days / start_date / work_hours: regular items are released evenly over n_days working
        days (Mon-Fri) from start_date; tasks carry UTC timestamps within work_hours.
    ambiguous_class_id / ambiguous_class_noise / ambiguous_box_jitter: everyone labels this
        class with extra class noise (to a uniformly drawn other class) and extra box jitter.
    small_area: pixel area below which an object counts as small (COCO: 32*32).
    review_rate: share of regular tasks a reviewer checks; reject_below: task quality (share
        of correct labels, see review.py) under which a correct reviewer rejects;
        reviewer_miss_rate / reviewer_false_reject_rate: reviewer errors;
        rework_success_rate / max_rework_cycles: chance a rework is approved, and the cap.
    scene: synthetic scene model (used when no images are given).
    detector: a simulated detector whose drafts every item gets before anyone labels it
        ("AI drafts, humans edit"); annotators then keep or redraw drafts by their profile's
        draft parameters. None (default) = annotators label from scratch.
    """

    seed: int
    n_items: int
    cohorts: tuple[CohortSpec, ...]
    annotators: tuple[AnnotatorSpec, ...]
    name: str = "simulated program"
    class_names: tuple[str, ...] = tuple(CLASS_NAMES[c] for c in sorted(CLASS_NAMES))
    gold_pool_size: int | None = None
    gold_pool_frac: float = 0.05
    gold_first_n: int = 5
    gold_rate: float = 0.10
    overlap: tuple[int, int] = (1, 1)
    n_days: int = 10
    start_date: str = "2024-03-04"
    work_hours: tuple[int, int] = (9, 17)
    ambiguous_class_id: int | None = AMBIGUOUS_CLASS
    ambiguous_class_noise: float = 0.30
    ambiguous_box_jitter: float = 0.10
    small_area: float = SMALL_AREA
    review_rate: float = 1.0
    reject_below: float = 0.75
    reviewer_miss_rate: float = 0.10
    reviewer_false_reject_rate: float = 0.03
    rework_success_rate: float = 0.85
    max_rework_cycles: int = 3
    scene: SceneSpec = field(default_factory=SceneSpec)
    detector: DetectorSpec | None = None

    def __post_init__(self) -> None:
        if self.n_items < 2:
            raise ValueError(f"n_items: need at least 2 (gold pool + regular), got {self.n_items}")
        if not self.annotators:
            raise ValueError("annotators: at least one annotator is needed")
        ids = [a.annotator_id for a in self.annotators]
        if len(set(ids)) != len(ids):
            raise ValueError("annotators: annotator_id values must be unique")
        cohort_ids = {c.cohort_id for c in self.cohorts}
        if len(cohort_ids) != len(self.cohorts):
            raise ValueError("cohorts: cohort_id values must be unique")
        for annotator in self.annotators:
            if annotator.cohort_id not in cohort_ids:
                raise ValueError(
                    f"annotator {annotator.annotator_id}.cohort_id: {annotator.cohort_id} "
                    "is not a cohort of this program"
                )
        low, high = self.overlap
        if not 1 <= low <= high <= len(self.annotators):
            raise ValueError(
                f"overlap: need 1 <= min <= max <= number of annotators, got {self.overlap}"
            )
        if self.n_days < 1:
            raise ValueError("n_days: must be >= 1")
        if not 0 <= self.work_hours[0] < self.work_hours[1] <= 24:
            raise ValueError("work_hours: need 0 <= start < end <= 24")
        for name in (
            "gold_rate",
            "gold_pool_frac",
            "ambiguous_class_noise",
            "review_rate",
            "reject_below",
            "reviewer_miss_rate",
            "reviewer_false_reject_rate",
            "rework_success_rate",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name}: must be in [0, 1], got {value}")
        if self.gold_first_n < 0 or self.max_rework_cycles < 0:
            raise ValueError("gold_first_n and max_rework_cycles: must be >= 0")
        n_classes = len(self.class_names)
        if self.ambiguous_class_id is not None and not 0 <= self.ambiguous_class_id < n_classes:
            raise ValueError(f"ambiguous_class_id: must be a class id in 0..{n_classes - 1}")
        if self.gold_pool_size is not None and not 1 <= self.gold_pool_size < self.n_items:
            raise ValueError("gold_pool_size: need 1 <= gold_pool_size < n_items")
        np.datetime64(self.start_date, "D")  # raises ValueError on a malformed date

    def resolved_gold_pool_size(self) -> int:
        """Number of gold items (see the class doc for the default rule)."""
        if self.gold_pool_size is not None:
            return self.gold_pool_size
        wanted = max(2 * self.gold_first_n, round(self.gold_pool_frac * self.n_items), 1)
        return int(min(wanted, self.n_items - 1))


def demo_spec(
    seed: int = 7, n_items: int = 40, *, detector: DetectorSpec | None = DEMO_DETECTOR
) -> ProgramSpec:
    """The demo program: 3 cohorts, 8 annotators with planted faults, 10 days, overlap 2-3.

    Annotators: Ada (careful, In-house), Ben (loose boxes, Northwind), Chloe (misses small
    objects, Crowd), Dev (confuses round/oval 20%, Crowd), Eve (drifts from day 5, Northwind),
    Gus (rubber-stamps the detector's drafts, Crowd), Femi, Hana (clean). Gold pool of 8
    items; first 5 tasks of everyone are gold, then 10%. Every item has the detector's drafts
    (`detector`; None = label from scratch, and Gus then behaves as a clean annotator).
    Meant to be run on real photos: simulate_program(demo_spec(), images=...).
    """
    cohorts = (
        CohortSpec(1, "Northwind managed", "managed", vendor="Northwind Data Services"),
        CohortSpec(2, "Crowd pool", "crowd", vendor="OpenCrowd"),
        CohortSpec(3, "In-house", "internal", vendor=None),
    )
    annotators = (
        AnnotatorSpec(1, "Ada", 3, careful()),
        AnnotatorSpec(2, "Ben", 1, loose_box()),
        AnnotatorSpec(3, "Chloe", 2, misses_small()),
        AnnotatorSpec(4, "Dev", 2, class_confuser()),
        AnnotatorSpec(5, "Eve", 1, drifter(onset_day=5, ramp_days=2.0)),
        AnnotatorSpec(6, "Femi", 1, clean()),
        AnnotatorSpec(7, "Gus", 2, rubber_stamp()),
        AnnotatorSpec(8, "Hana", 3, clean()),
    )
    return ProgramSpec(
        seed=seed,
        n_items=n_items,
        cohorts=cohorts,
        annotators=annotators,
        name="Shapes demo program",
        gold_pool_size=8,
        overlap=(2, 3),
        n_days=10,
        detector=detector,
    )


def scaled_spec(
    n_items: int,
    *,
    n_annotators: int = 60,
    seed: int = 11,
    overlap: tuple[int, int] = (1, 3),
    n_days: int = 30,
) -> ProgramSpec:
    """A large synthetic program: 3 cohorts, n_annotators with a fixed mix of profiles.

    Annotator k (1-based) gets, cycling every 10: careful, loose_box, misses_small,
    class_confuser, drifter (onset day n_days // 2), tight_box, spammer (only k = 17, 37, ...
    i.e. one in 20), and clean otherwise; cohorts cycle managed / crowd / internal.
    """
    if n_annotators < overlap[1]:
        raise ValueError("n_annotators: must be at least overlap max")
    cohorts = (
        CohortSpec(1, "Northwind managed", "managed", vendor="Northwind Data Services"),
        CohortSpec(2, "Crowd pool", "crowd", vendor="OpenCrowd"),
        CohortSpec(3, "In-house", "internal", vendor=None),
    )
    cycle = {
        1: careful,
        2: loose_box,
        3: misses_small,
        4: class_confuser,
        5: lambda: drifter(onset_day=n_days // 2),
        6: tight_box,
    }
    annotators = []
    for k in range(1, n_annotators + 1):
        profile = spammer() if k % 20 == 17 else cycle.get(k % 10, clean)()
        annotators.append(AnnotatorSpec(k, f"annotator-{k:04d}", (k - 1) % 3 + 1, profile))
    return ProgramSpec(
        seed=seed,
        n_items=n_items,
        cohorts=cohorts,
        annotators=tuple(annotators),
        name=f"Scaled program ({n_items} items)",
        overlap=overlap,
        n_days=n_days,
    )
