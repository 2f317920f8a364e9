"""Intake: screening of delivered images and acceptance sampling of delivered labels.

Screening (numpy / OpenCV / Pillow):

- :func:`screen_image` / :func:`screen_batch`: readability, size, aspect ratio, blur
  (Laplacian variance), exposure, exact duplicates (SHA-256) and near-duplicates (pHash) with a
  keep/drop suggestion; thresholds in :class:`ScreeningThresholds`.
- :func:`phash`, :func:`dhash`, :func:`hamming_distance`, :func:`near_duplicate_pairs`,
  :func:`group_near_duplicates`, :func:`choose_keepers`.

Acceptance sampling (ISO 2859-1 / ANSI/ASQ Z1.4 single sampling, scipy.stats):

- :func:`plan_from_table` (Tables 1 and 2-A, normal inspection), :func:`plan_for_risks`
  (smallest hypergeometric plan meeting producer's and consumer's risks);
- :func:`operating_characteristic`, :func:`acceptance_probability`;
- :func:`sample_items`, :func:`decide`, :func:`accept_mask`;
- :func:`classify_defects` (missing, extra, wrong class, poor localisation, wrong attribute),
  :func:`defect_trend`, :func:`recurring_defects`.

See docs/acceptance-sampling.md for the tables, formulas and default thresholds.
"""

from labelqc.intake.defects import DEFECT_TYPES, DefectReport, classify_defects
from labelqc.intake.errors import IntakeInputError
from labelqc.intake.hashing import (
    ImageDecodeError,
    content_sha256,
    decode_image,
    dhash,
    hamming_distance,
    phash,
)
from labelqc.intake.near_duplicates import (
    choose_keepers,
    group_near_duplicates,
    near_duplicate_pairs,
)
from labelqc.intake.quality import (
    DEFAULT_THRESHOLDS,
    QUALITY_FLAGS,
    ImageScreening,
    ScreeningThresholds,
    screen_image,
)
from labelqc.intake.sampling import (
    LotDecision,
    OperatingCharacteristic,
    SamplingPlan,
    accept_mask,
    acceptance_probability,
    decide,
    operating_characteristic,
    plan_for_risks,
    plan_from_table,
    sample_items,
)
from labelqc.intake.sampling_tables import (
    AQL_COLUMNS,
    CODE_LETTERS,
    SAMPLE_SIZES,
    TablePlan,
    code_letter,
    master_table_plan,
)
from labelqc.intake.screening import SCREENING_COLUMNS, screen_batch
from labelqc.intake.trends import TREND_TYPES, defect_trend, recurring_defects

__all__ = [
    "AQL_COLUMNS",
    "CODE_LETTERS",
    "DEFAULT_THRESHOLDS",
    "DEFECT_TYPES",
    "QUALITY_FLAGS",
    "SAMPLE_SIZES",
    "SCREENING_COLUMNS",
    "TREND_TYPES",
    "DefectReport",
    "ImageDecodeError",
    "ImageScreening",
    "IntakeInputError",
    "LotDecision",
    "OperatingCharacteristic",
    "SamplingPlan",
    "ScreeningThresholds",
    "TablePlan",
    "accept_mask",
    "acceptance_probability",
    "choose_keepers",
    "classify_defects",
    "code_letter",
    "content_sha256",
    "decide",
    "decode_image",
    "defect_trend",
    "dhash",
    "group_near_duplicates",
    "hamming_distance",
    "master_table_plan",
    "near_duplicate_pairs",
    "operating_characteristic",
    "phash",
    "plan_for_risks",
    "plan_from_table",
    "recurring_defects",
    "sample_items",
    "screen_batch",
    "screen_image",
]
