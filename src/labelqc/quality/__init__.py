"""Golden-set quality: scoring, confusion, missing rate, bias and per-class IoU distributions.

Typical use: build one :class:`GoldComparison` with :func:`compare_to_gold` and hand it to any
metric; :func:`score_against_gold` and :func:`class_confusion_matrix` do both steps.  Results are
DataFrames whose undefined values are ``<NA>`` (nullable columns), never NaN; :func:`to_records`
turns a result into JSON-ready dicts with ``None``.  For sharded reports,
:func:`gold_score_statistics` / :func:`merge_gold_statistics` / :func:`summarize_gold_statistics`
and :func:`confusion_counts` work on counts and IoU histograms that add up across item shards.
"""

from labelqc.quality.bias import attribute_agreement, size_bias
from labelqc.quality.comparison import GoldComparison, compare_to_gold
from labelqc.quality.confusion import (
    UNMATCHED,
    class_confusion_matrix,
    confusion_counts,
    confusion_matrix_from_counts,
)
from labelqc.quality.dimensions import matched_pair_frame
from labelqc.quality.draft_review import (
    DraftReview,
    DraftReviewParams,
    draft_status,
    review_drafts,
)
from labelqc.quality.gold_scoring import (
    gold_score_statistics,
    merge_gold_statistics,
    outcome_events,
    score_against_gold,
    score_against_gold_per_class,
    score_comparison,
    summarize_gold_statistics,
)
from labelqc.quality.iou_distribution import DISTRIBUTION_MATCH_IOU, class_iou_distribution
from labelqc.quality.missing import (
    DEFAULT_DENSITY_BUCKETS,
    bucket_label,
    missing_rate_by_density,
)
from labelqc.quality.records import nullable_float, safe_ratio, to_records
from labelqc.quality.statistics import (
    DEFAULT_IOU_BINS,
    grouped_histogram,
    grouped_quantile,
    grouped_quantiles,
    histogram_quantile,
    iou_bin_columns,
    iou_bin_edges,
)

__all__ = [
    "DEFAULT_DENSITY_BUCKETS",
    "DEFAULT_IOU_BINS",
    "DISTRIBUTION_MATCH_IOU",
    "UNMATCHED",
    "DraftReview",
    "DraftReviewParams",
    "GoldComparison",
    "attribute_agreement",
    "bucket_label",
    "class_confusion_matrix",
    "class_iou_distribution",
    "compare_to_gold",
    "confusion_counts",
    "confusion_matrix_from_counts",
    "draft_status",
    "gold_score_statistics",
    "grouped_histogram",
    "grouped_quantile",
    "grouped_quantiles",
    "histogram_quantile",
    "iou_bin_columns",
    "iou_bin_edges",
    "matched_pair_frame",
    "merge_gold_statistics",
    "missing_rate_by_density",
    "nullable_float",
    "outcome_events",
    "review_drafts",
    "safe_ratio",
    "score_against_gold",
    "score_against_gold_per_class",
    "score_comparison",
    "size_bias",
    "summarize_gold_statistics",
    "to_records",
]
