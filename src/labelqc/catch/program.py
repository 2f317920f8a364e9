"""The benchmark program: a roster with every planted fault, and the faults as a table.

:func:`catch_spec` describes the program (simulated by :func:`labelqc.simulate.simulate_program`);
:func:`planted_faults` lists what was planted, annotator faults and the class-level one, for
scoring only: it reads the simulation's knowledge, never the detector.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelqc.simulate import (
    AnnotatorProfile,
    AnnotatorSpec,
    CohortSpec,
    ProgramSpec,
    SimulatedProgram,
    careful,
    class_confuser,
    clean,
    drifter,
    loose_box,
    misses_small,
    spammer,
    tight_box,
)

AMBIGUOUS_FAULT = "ambiguous_class"
FAULT_TABLE_COLUMNS = (
    "fault",
    "annotator_id",
    "class_id",
    "onset_day",
    "onset_index",
    "onset_at",
    "manifested",
    "detail",
)
_STATIC_FAULTS = (
    ("loose_box", loose_box),
    ("tight_box", tight_box),
    ("class_confuser", class_confuser),
    ("misses_small", misses_small),
    ("spammer", spammer),
)
_COHORTS = (
    CohortSpec(1, "Northwind managed", "managed", vendor="Northwind Data Services"),
    CohortSpec(2, "Crowd pool", "crowd", vendor="OpenCrowd"),
    CohortSpec(3, "In-house", "internal", vendor=None),
)


def catch_spec(
    n_items: int,
    *,
    seed: int = 0,
    n_clean: int = 24,
    n_careful: int = 4,
    n_days: int = 20,
    mid_onset_day: int | None = 5,
    n_drifters: int = 2,
    drift_onset_day: int = 10,
    overlap: tuple[int, int] = (1, 3),
) -> ProgramSpec:
    """A synthetic program with one annotator per planted fault, plus clean annotators.

    Faulty annotators (ids from 1): loose boxes, tight boxes, round/oval confuser, misses
    small objects, spammer, each from day 0; the same five again from ``mid_onset_day`` (None
    leaves them out); ``n_drifters`` drifters from ``drift_onset_day``. Then ``n_careful``
    careful and ``n_clean`` clean annotators. The ambiguous-guideline class (class 3,
    "irregular", 30% label noise for everyone) is the simulator's default. Cohorts cycle
    managed / crowd / in-house.
    """
    if n_clean + n_careful < 1:
        raise ValueError("n_clean + n_careful: need at least one clean annotator")
    if mid_onset_day is not None and not 0 < mid_onset_day < n_days:
        raise ValueError(f"mid_onset_day: must be in 1..{n_days - 1}, got {mid_onset_day}")
    if not 0 < drift_onset_day < n_days:
        raise ValueError(f"drift_onset_day: must be in 1..{n_days - 1}, got {drift_onset_day}")
    profiles: list[tuple[str, AnnotatorProfile]] = [
        (f"{name}-from-start", make()) for name, make in _STATIC_FAULTS
    ]
    if mid_onset_day is not None:
        profiles += [
            (f"{name}-from-day-{mid_onset_day}", make(onset_day=mid_onset_day))
            for name, make in _STATIC_FAULTS
        ]
    profiles += [
        (f"drifter-{k + 1}", drifter(onset_day=drift_onset_day)) for k in range(n_drifters)
    ]
    profiles += [(f"careful-{k + 1}", careful()) for k in range(n_careful)]
    profiles += [(f"clean-{k + 1}", clean()) for k in range(n_clean)]
    annotators = tuple(
        AnnotatorSpec(index + 1, name, index % len(_COHORTS) + 1, profile)
        for index, (name, profile) in enumerate(profiles)
    )
    return ProgramSpec(
        seed=seed,
        n_items=n_items,
        cohorts=_COHORTS,
        annotators=annotators,
        name=f"Catch-rate program ({n_items} items, seed {seed})",
        overlap=overlap,
        n_days=n_days,
    )


def planted_faults(program: SimulatedProgram) -> pd.DataFrame:
    """Every planted fault: the program's annotator faults plus the ambiguous class.

    Columns: ``fault, annotator_id`` (Int64, <NA> for the class-level fault), ``class_id``
    (Int64, <NA> for annotator faults), ``onset_day, onset_index`` (Int64; 0 items for the
    class, whose guideline is ambiguous from the start), ``onset_at, manifested, detail``.
    """
    faults = program.faults
    rows = pd.DataFrame(
        {
            "fault": faults["fault"].to_numpy(dtype=object),
            "annotator_id": pd.array(faults["annotator_id"].to_numpy(), dtype="Int64"),
            "class_id": pd.array([pd.NA] * len(faults), dtype="Int64"),
            "onset_day": faults["onset_day"].to_numpy(dtype=np.int64),
            "onset_index": faults["onset_index"].astype("Int64").to_numpy(),
            "onset_at": faults["onset_at"].reset_index(drop=True),
            "manifested": faults["manifested"].to_numpy(dtype=bool),
            "detail": faults["detail"].to_numpy(dtype=object),
        }
    )
    ambiguous = program.spec.ambiguous_class_id
    if ambiguous is not None and program.spec.ambiguous_class_noise > 0:
        start = program.tasks["started_at"].min()
        class_row = pd.DataFrame(
            {
                "fault": [AMBIGUOUS_FAULT],
                "annotator_id": pd.array([pd.NA], dtype="Int64"),
                "class_id": pd.array([ambiguous], dtype="Int64"),
                "onset_day": [0],
                "onset_index": pd.array([0], dtype="Int64"),
                "onset_at": pd.Series([start]),
                "manifested": [True],
                "detail": [program.class_names.get(ambiguous, str(ambiguous))],
            }
        )
        rows = pd.concat([rows, class_row], ignore_index=True)
    return rows.loc[:, list(FAULT_TABLE_COLUMNS)]


def clean_annotator_ids(program: SimulatedProgram) -> np.ndarray:
    """Ids of annotators with no planted fault (their alarms are false alarms)."""
    faulty = set(program.faults["annotator_id"].tolist())
    ids = program.annotators["annotator_id"].to_numpy()
    return np.array([a for a in ids if a not in faulty], dtype=np.int64)
