"""Catch-rate detection: labelqc's QA signals run over a program as it unfolds in time.

:func:`detect` takes only what the service sees (:class:`ServiceView`: queues, labels, times,
honeypot truth) and reports alarm episodes per annotator and signal, plus class-level alarms;
:func:`score_run` compares them with the planted faults of a simulated program
(:func:`planted_faults`): caught or not, by which signal, after how many items, and the
per-annotator any-signal false-alarm rate on clean annotators. Decision rules are frozen
dataclasses (:class:`CatchRules`) a QA manager can set. See docs/bench-catch-rate.md.
"""

from labelqc.catch.detector import CatchRun, detect
from labelqc.catch.program import (
    AMBIGUOUS_FAULT,
    catch_spec,
    clean_annotator_ids,
    planted_faults,
)
from labelqc.catch.rules import (
    CLASS_SIGNAL,
    SIGNALS,
    CatchRuleError,
    CatchRules,
    ClassAmbiguityRule,
    ConfusionRule,
    DriftRule,
    GoldAccuracyRule,
    IaaRule,
    MissingRule,
    SizeBiasRule,
)
from labelqc.catch.scoring import DEFAULT_MAX_DELAY, CatchScore, score_run
from labelqc.catch.view import ServiceView, ViewInputError, service_view

__all__ = [
    "AMBIGUOUS_FAULT",
    "CLASS_SIGNAL",
    "DEFAULT_MAX_DELAY",
    "SIGNALS",
    "CatchRuleError",
    "CatchRules",
    "CatchRun",
    "CatchScore",
    "ClassAmbiguityRule",
    "ConfusionRule",
    "DriftRule",
    "GoldAccuracyRule",
    "IaaRule",
    "MissingRule",
    "ServiceView",
    "SizeBiasRule",
    "ViewInputError",
    "catch_spec",
    "clean_annotator_ids",
    "detect",
    "planted_faults",
    "score_run",
    "service_view",
]
