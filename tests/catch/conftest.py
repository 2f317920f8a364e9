"""The small catch-rate program (three seeds), simulated, detected and scored once per session.

Roster: ``catch_spec(6000, n_clean=20, n_careful=2, mid_onset_day=None, n_drifters=1)``: five
annotators faulty from day 0 (loose boxes, tight boxes, round/oval confuser, small-object
misser, spammer), one drifter from day 10, 22 clean annotators, and the ambiguous class 3.
Why this size is enough is worked out in test_catch_planted_faults.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from labelqc.catch import (
    CatchRun,
    CatchScore,
    ServiceView,
    catch_spec,
    clean_annotator_ids,
    detect,
    planted_faults,
    score_run,
    service_view,
)
from labelqc.simulate import SimulatedProgram, simulate_program

SMALL_ITEMS = 6000
SMALL_SEEDS = (1, 2, 3)
SMALL_ROSTER = {"n_clean": 20, "n_careful": 2, "mid_onset_day": None, "n_drifters": 1}


@dataclass(frozen=True)
class CaughtProgram:
    program: SimulatedProgram
    view: ServiceView
    run: CatchRun
    score: CatchScore
    clean: np.ndarray


@pytest.fixture(scope="session")
def small_runs() -> list[CaughtProgram]:
    runs = []
    for seed in SMALL_SEEDS:
        program = simulate_program(catch_spec(SMALL_ITEMS, seed=seed, **SMALL_ROSTER))
        view = service_view(program)
        run = detect(view)
        clean = clean_annotator_ids(program)
        score = score_run(run, planted_faults(program), clean)
        runs.append(CaughtProgram(program, view, run, score, clean))
    return runs


@pytest.fixture(scope="session")
def small_program(small_runs: list[CaughtProgram]) -> CaughtProgram:
    return small_runs[0]
