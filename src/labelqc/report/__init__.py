"""The composed quality report over shardable sufficient statistics.

``compute_shard(frames, params) -> ShardStats`` on each item range (e.g. one Celery task per
range in a chord), ``merge(shards) -> ShardStats`` (exact, associative) and
``finalize(stats, params) -> QualityReport``. The single-process report is
``finalize(compute_shard(all_frames, params), params)`` (:func:`quality_report`), and it equals
the sharded one exactly.
"""

from labelqc.report.compute import compute_shard
from labelqc.report.finalize import QualityReport, finalize
from labelqc.report.params import ReportFrames, ReportInputError, ReportParams, shard_frames
from labelqc.report.stats import ShardMergeError, ShardStats, merge


def quality_report(frames: ReportFrames, params: ReportParams | None = None) -> QualityReport:
    """The whole report in one process: ``finalize(compute_shard(frames, params), params)``."""
    params = params or ReportParams()
    return finalize(compute_shard(frames, params), params)


__all__ = [
    "QualityReport",
    "ReportFrames",
    "ReportInputError",
    "ReportParams",
    "ShardMergeError",
    "ShardStats",
    "compute_shard",
    "finalize",
    "merge",
    "quality_report",
    "shard_frames",
]
