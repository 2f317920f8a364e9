"""Vectorized candidate generation and resolution for frame-level matching.

Matching millions of objects is done without a Python loop per item:

1. every gold row is paired with every annotation sharing its block key (the item, or the item and
   class when matching is class-aware) by index arithmetic on sorted keys, in bounded chunks;
2. IoU of all those pairs is computed in one numpy pass per chunk and pairs below the threshold are
   dropped;
3. a candidate whose gold row (within its annotator group) and annotation each have exactly one
   candidate is matched directly;
4. only the remaining, ambiguous (item, annotator) groups go to ``linear_sum_assignment``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from labelqc.geometry.assignment import assign_candidates
from labelqc.geometry.codes import pair_codes

PairIou = Callable[[np.ndarray, np.ndarray], np.ndarray]


def block_pairs(
    left_keys: np.ndarray, right_keys: np.ndarray, max_pairs: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(left_positions, right_positions)`` of every pair with equal non-negative keys.

    Pairs are produced in chunks of about ``max_pairs`` (a single left row with more partners
    forms its own chunk), so memory stays bounded whatever the data size.
    """
    if left_keys.size == 0 or right_keys.size == 0:
        return
    n_keys = int(max(left_keys.max(), right_keys.max())) + 1
    right_order = np.argsort(right_keys, kind="stable")
    right_counts = np.bincount(right_keys, minlength=n_keys)
    right_start = np.concatenate(([0], np.cumsum(right_counts)[:-1]))
    partners = right_counts[left_keys]
    left_rows = np.flatnonzero(partners)
    if left_rows.size == 0:
        return
    partners = partners[left_rows]
    cumulative = np.cumsum(partners)
    chunk_ends = np.unique(
        np.searchsorted(cumulative, np.arange(max_pairs, int(cumulative[-1]), max_pairs), "right")
    )
    bounds = np.concatenate(([0], chunk_ends[chunk_ends > 0], [left_rows.size]))
    for begin, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        if end <= begin:
            continue
        counts = partners[begin:end]
        total = int(counts.sum())
        chunk_offsets = np.cumsum(counts) - counts
        within = np.arange(total) - np.repeat(chunk_offsets, counts)
        rows = left_rows[begin:end]
        starts = np.repeat(right_start[left_keys[rows]], counts)
        yield np.repeat(rows, counts), right_order[starts + within]


def eligible_candidates(
    gold_blocks: np.ndarray,
    ann_blocks: np.ndarray,
    gold_thresholds: np.ndarray,
    pair_iou: PairIou,
    max_pairs: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (gold, ann, iou) pairs sharing a block with ``iou >= threshold of the gold row``.

    Block keys of -1 mark rows that take part in no pair.
    """
    gold_parts: list[np.ndarray] = []
    ann_parts: list[np.ndarray] = []
    iou_parts: list[np.ndarray] = []
    gold_valid = np.flatnonzero(gold_blocks >= 0)
    ann_valid = np.flatnonzero(ann_blocks >= 0)
    for gold_local, ann_local in block_pairs(
        gold_blocks[gold_valid], ann_blocks[ann_valid], max_pairs
    ):
        gold_rows = gold_valid[gold_local]
        ann_rows = ann_valid[ann_local]
        iou = pair_iou(gold_rows, ann_rows)
        keep = (iou >= gold_thresholds[gold_rows]) & (iou > 0)
        gold_parts.append(gold_rows[keep])
        ann_parts.append(ann_rows[keep])
        iou_parts.append(iou[keep])
    if not gold_parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0, dtype=np.float64)
    return np.concatenate(gold_parts), np.concatenate(ann_parts), np.concatenate(iou_parts)


def _local_ranks(
    sorted_keys: np.ndarray,
    sorted_groups: np.ndarray,
    group_starts: np.ndarray,
    group_sizes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Dense rank of each key within its group (inputs sorted by group then key) and group widths."""
    new_key = np.ones(sorted_keys.size, dtype=bool)
    new_key[1:] = (sorted_keys[1:] != sorted_keys[:-1]) | (sorted_groups[1:] != sorted_groups[:-1])
    rank = np.cumsum(new_key) - 1
    first = rank[group_starts]
    local = rank - np.repeat(first, group_sizes)
    widths = rank[group_starts + group_sizes - 1] - first + 1
    return local, widths


def resolve_candidates(
    gold_rows: np.ndarray,
    ann_rows: np.ndarray,
    iou: np.ndarray,
    ann_groups: np.ndarray,
    ann_annotators: np.ndarray,
    n_annotators: int,
) -> tuple[np.ndarray, int]:
    """Pick a one-to-one subset of eligible candidates within each annotator group.

    ``ann_groups`` maps each annotation row to its (item, annotator) group and
    ``ann_annotators`` to its annotator code (< ``n_annotators``).  Returns the positions of the
    chosen candidates and the number of groups that needed ``linear_sum_assignment``.
    """
    if gold_rows.size == 0:
        return np.zeros(0, dtype=np.int64), 0
    groups = ann_groups[ann_rows]
    # A gold row is matched separately for each annotator, so its "row" identity is the
    # (gold row, annotator) pair; an annotation belongs to exactly one group.
    row_identity = pair_codes(gold_rows, ann_annotators[ann_rows], n_annotators)
    row_degree = np.bincount(row_identity)[row_identity]
    col_degree = np.bincount(ann_rows)[ann_rows]
    unambiguous = (row_degree == 1) & (col_degree == 1)
    ambiguous = np.flatnonzero(~unambiguous)
    if ambiguous.size == 0:
        return np.flatnonzero(unambiguous), 0
    chosen = unambiguous.copy()
    order = ambiguous[np.lexsort((gold_rows[ambiguous], groups[ambiguous]))]
    sorted_groups = groups[order]
    group_starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    group_sizes = np.diff(np.r_[group_starts, order.size])
    row_local, n_rows = _local_ranks(gold_rows[order], sorted_groups, group_starts, group_sizes)
    # Same group order, so group segments sit at the same positions in this second ordering.
    col_order = np.lexsort((ann_rows[order], sorted_groups))
    col_local_sorted, n_cols = _local_ranks(
        ann_rows[order][col_order], sorted_groups[col_order], group_starts, group_sizes
    )
    col_local = np.empty_like(col_local_sorted)
    col_local[col_order] = col_local_sorted
    sorted_iou = iou[order]
    for start, size, height, width in zip(
        group_starts.tolist(), group_sizes.tolist(), n_rows.tolist(), n_cols.tolist(), strict=True
    ):
        stop = start + size
        picked = assign_candidates(
            row_local[start:stop], col_local[start:stop], sorted_iou[start:stop], height, width
        )
        chosen[order[start + picked]] = True
    return np.flatnonzero(chosen), int(group_starts.size)
