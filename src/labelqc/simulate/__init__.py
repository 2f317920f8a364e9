"""Simulated labeling programs with planted faults, for demos, tests and benchmarks.

Pure numpy/pandas (scikit-image and pycocotools for ground truth from real photos), seeded and
deterministic. See docs/simulator.md.
"""

from labelqc.simulate.classes import (
    AMBIGUOUS_CLASS,
    CLASS_NAMES,
    CONFUSABLE_PAIR,
    SMALL_AREA,
)
from labelqc.simulate.detector import DetectorSpec, simulate_detector
from labelqc.simulate.image_objects import (
    classify_shapes,
    crop_items_from_images,
    objects_from_image,
    segment_objects,
)
from labelqc.simulate.profiles import (
    FAULT_KINDS,
    PRESETS,
    AnnotatorProfile,
    careful,
    class_confuser,
    clean,
    compose,
    drifter,
    loose_box,
    misses_small,
    rubber_stamp,
    spammer,
    tight_box,
)
from labelqc.simulate.program import SimulatedProgram, simulate_program
from labelqc.simulate.spec import (
    DEMO_DETECTOR,
    DEMO_IMAGE_NAMES,
    AnnotatorSpec,
    CohortSpec,
    ProgramSpec,
    demo_spec,
    scaled_spec,
)
from labelqc.simulate.synthetic import GroundTruth, SceneSpec, synthetic_objects

__all__ = [
    "AMBIGUOUS_CLASS",
    "CLASS_NAMES",
    "CONFUSABLE_PAIR",
    "DEMO_DETECTOR",
    "DEMO_IMAGE_NAMES",
    "FAULT_KINDS",
    "PRESETS",
    "SMALL_AREA",
    "AnnotatorProfile",
    "AnnotatorSpec",
    "CohortSpec",
    "DetectorSpec",
    "GroundTruth",
    "ProgramSpec",
    "SceneSpec",
    "SimulatedProgram",
    "careful",
    "class_confuser",
    "classify_shapes",
    "clean",
    "compose",
    "crop_items_from_images",
    "demo_spec",
    "drifter",
    "loose_box",
    "misses_small",
    "objects_from_image",
    "rubber_stamp",
    "scaled_spec",
    "segment_objects",
    "simulate_detector",
    "simulate_program",
    "spammer",
    "synthetic_objects",
    "tight_box",
]
