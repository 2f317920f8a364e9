"""Sharded statistics merge exactly: the sharded report equals the single-process report."""

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelqc.report import (
    ReportFrames,
    ReportParams,
    ShardStats,
    compute_shard,
    finalize,
    merge,
    quality_report,
    shard_frames,
)

PARAMS = ReportParams(iou_threshold={0: 0.5, 1: 0.5, 2: 0.6, 3: 0.4}, baseline_windows=5)


@pytest.fixture(scope="module")
def single_stats(project) -> ShardStats:
    return compute_shard(project.frames, PARAMS)


def _slice(frames: ReportFrames, low: int, high: int) -> ReportFrames:
    def part(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[(frame["item_id"] >= low) & (frame["item_id"] < high)]

    return ReportFrames(part(frames.items), part(frames.gold), part(frames.annotations))


def test_eight_shards_equal_the_single_process_report(project) -> None:
    single_stats = compute_shard(project.frames, PARAMS)
    shards = [compute_shard(shard, PARAMS) for shard in shard_frames(project.frames, 8)]
    merged = merge(shards)
    assert merged.equals(single_stats)
    single = finalize(single_stats, PARAMS).to_dict()
    sharded = finalize(merged, PARAMS).to_dict()
    assert sharded == single  # exact, floats included
    assert json.dumps(sharded, sort_keys=True) == json.dumps(single, sort_keys=True)
    assert quality_report(project.frames, PARAMS).to_dict() == single
    # The report is not trivially empty.
    assert single["scores"]["overall"][0]["tp"] > 1000
    assert single["agreement"]["alpha"] is not None


def test_merge_is_associative_and_order_free(project) -> None:
    a, b, c = (compute_shard(s, PARAMS) for s in shard_frames(project.frames, 3))
    left = merge([merge([a, b]), c])
    right = merge([a, merge([b, c])])
    shuffled = merge([c, a, b])
    assert left.equals(right)
    assert left.equals(shuffled)


def test_chunk_size_inside_a_shard_does_not_change_anything(project) -> None:
    small_chunks = ReportParams(**{**PARAMS.to_dict(), "max_items_per_chunk": 70})
    small = ReportParams.from_dict(small_chunks.to_dict())
    assert compute_shard(project.frames, small).equals(compute_shard(project.frames, PARAMS))


def test_serialized_shards_merge_to_the_same_report(project) -> None:
    shards = [compute_shard(s, PARAMS) for s in shard_frames(project.frames, 4)]
    # Through JSON, as a Celery chord would pass them.
    revived = [ShardStats.from_dict(json.loads(json.dumps(s.to_dict()))) for s in shards]
    assert merge(revived).equals(merge(shards))
    assert finalize(merge(revived), PARAMS).to_dict() == finalize(merge(shards), PARAMS).to_dict()


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cuts=st.lists(st.integers(1, 239), min_size=1, max_size=3, unique=True))
def test_any_item_range_split_merges_exactly(
    project, single_stats: ShardStats, cuts: list[int]
) -> None:
    bounds = [0, *sorted(cuts), 240]
    shards = [
        compute_shard(_slice(project.frames, lo, hi), PARAMS)
        for lo, hi in itertools.pairwise(bounds)
    ]
    assert merge(shards).equals(single_stats)


def test_a_shard_without_annotations_merges(project, single_stats: ShardStats) -> None:
    frames = project.frames
    empty_items = pd.DataFrame({"item_id": np.arange(1000, 1005)})
    empty = ReportFrames(empty_items, frames.gold.iloc[0:0], frames.annotations.iloc[0:0])
    empty_stats = compute_shard(empty, PARAMS)
    merged = merge([single_stats, empty_stats])
    report = finalize(merged, PARAMS).to_dict()
    assert report["totals"]["n_items"] == 245
    assert report["scores"] == finalize(single_stats, PARAMS).to_dict()["scores"]
