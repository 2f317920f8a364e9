"""Inter-annotator agreement and consensus.

Coefficients (Cohen/Fleiss kappa, Krippendorff alpha via coincidence matrices), truth
inference (majority vote, Dawid-Skene), mask voting and box fusion, shape agreement for boxes
and masks, bootstrap intervals and flags. The five float functions raise
``UndefinedAgreement`` (a ValueError) where a coefficient is undefined; the ``*_result``
functions return an ``AgreementResult`` with ``value=None`` and the reason instead.
"""

from labelqc.agreement.alpha import (
    CoincidenceMatrix,
    alpha_from_coincidences,
    coincidence_matrix,
    coincidence_matrix_from_long,
    krippendorff_alpha,
    merge_coincidences,
)
from labelqc.agreement.bootstrap import (
    cohen_kappa_result,
    fleiss_kappa_result,
    krippendorff_alpha_result,
)
from labelqc.agreement.consensus import (
    consensus_boxes,
    fuse_boxes,
    majority_vote,
    mask_vote,
)
from labelqc.agreement.dawid_skene import DawidSkeneResult, WorkerConfusions, dawid_skene
from labelqc.agreement.flags import DEFAULT_FLOOR, DEFAULT_TARGET, flag_agreement
from labelqc.agreement.kappa import cohen_kappa, fleiss_kappa
from labelqc.agreement.matching import match_objects
from labelqc.agreement.results import AgreementResult, UndefinedAgreement
from labelqc.agreement.shapes import ABSENT_CLASS, ShapeAgreement, shape_agreement

__all__ = [
    "ABSENT_CLASS",
    "DEFAULT_FLOOR",
    "DEFAULT_TARGET",
    "AgreementResult",
    "CoincidenceMatrix",
    "DawidSkeneResult",
    "ShapeAgreement",
    "UndefinedAgreement",
    "WorkerConfusions",
    "alpha_from_coincidences",
    "cohen_kappa",
    "cohen_kappa_result",
    "coincidence_matrix",
    "coincidence_matrix_from_long",
    "consensus_boxes",
    "dawid_skene",
    "flag_agreement",
    "fleiss_kappa",
    "fleiss_kappa_result",
    "fuse_boxes",
    "krippendorff_alpha",
    "krippendorff_alpha_result",
    "majority_vote",
    "mask_vote",
    "match_objects",
    "merge_coincidences",
    "shape_agreement",
]
