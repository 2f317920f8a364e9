"""Matching annotations against a golden set once, with what roll-ups need around it.

:func:`compare_to_gold` validates the frames, matches them (see :func:`labelqc.geometry.match_boxes`)
and gathers the attributes the metrics group by: per (item, annotator) submission its cohort and
time, per item its scene tags.  Every quality metric takes the resulting :class:`GoldComparison`,
so one matching serves many metrics.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labelqc.geometry import FrameValidationError, IouThreshold, MatchResult, match_boxes
from labelqc.geometry.frames import require_columns

SUBMISSION_KEYS = ("item_id", "annotator_id")


@dataclass(frozen=True)
class GoldComparison:
    """Gold and annotations matched once, plus the attributes metrics roll up by.

    ``match``: the :class:`~labelqc.geometry.MatchResult`.  ``submissions``: aligned with
    ``match.groups`` (row k is group k): ``item_id, annotator_id`` and the submission attributes
    (every extra column of ``assignments``, else ``cohort_id`` = first and ``created_at`` = earliest
    of the annotator's rows on the item).  ``item_tags``: ``item_id`` -> tuple of scene tags, or
    None when no tags were given.
    """

    gold: pd.DataFrame
    annotations: pd.DataFrame
    match: MatchResult
    submissions: pd.DataFrame
    item_tags: pd.Series | None
    iou_threshold: IouThreshold
    class_aware: bool


def _tags_tuple(value: object, where: str) -> tuple[str, ...]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple | list | np.ndarray) and all(isinstance(t, str) for t in value):
        return tuple(value)
    raise FrameValidationError(f"{where}: expected a tuple of str scene tags, got {value!r}")


def _item_tags(items: pd.DataFrame | None, gold: pd.DataFrame) -> pd.Series | None:
    """Scene tags per item from ``items.scene_tags``, else ``gold.scene_tags``, else None."""
    if items is not None and "scene_tags" in items.columns:
        source, name = items, "items"
    elif "scene_tags" in gold.columns:
        source, name = gold, "gold"
    else:
        return None
    require_columns(source, ("item_id",), name)
    first = source.drop_duplicates("item_id")
    tags = [
        _tags_tuple(value, f"{name}.scene_tags[{label!r}]")
        for label, value in zip(first.index, first["scene_tags"], strict=True)
    ]
    return pd.Series(tags, index=first["item_id"].to_numpy(), dtype=object, name="scene_tags")


def _submission_attributes(
    groups: pd.DataFrame, annotations: pd.DataFrame, assignments: pd.DataFrame | None
) -> pd.DataFrame:
    submissions = groups.loc[:, list(SUBMISSION_KEYS)].copy()
    if assignments is not None:
        extra = [c for c in assignments.columns if c not in SUBMISSION_KEYS]
        if extra:
            declared = assignments.drop_duplicates(list(SUBMISSION_KEYS))
            submissions = submissions.merge(
                declared.loc[:, [*SUBMISSION_KEYS, *extra]], on=list(SUBMISSION_KEYS), how="left"
            )
    derived_columns = {"cohort_id": "first", "created_at": "min"}
    present = {c: how for c, how in derived_columns.items() if c in annotations.columns}
    if present:
        derived = (
            annotations.groupby(list(SUBMISSION_KEYS), sort=False)
            .agg(**{column: (column, how) for column, how in present.items()})
            .reset_index()
        )
        merged = submissions.loc[:, list(SUBMISSION_KEYS)].merge(
            derived, on=list(SUBMISSION_KEYS), how="left"
        )
        for column in present:
            if column in submissions.columns:
                submissions[column] = submissions[column].fillna(merged[column])
            else:
                submissions[column] = merged[column].to_numpy()
    return _restore_integer_columns(submissions, annotations, assignments)


def _restore_integer_columns(
    submissions: pd.DataFrame, annotations: pd.DataFrame, assignments: pd.DataFrame | None
) -> pd.DataFrame:
    """Integer attributes that gained missing values in a left join become nullable Int64."""
    for column in submissions.columns:
        if column in SUBMISSION_KEYS:
            continue
        source = assignments if assignments is not None and column in assignments else annotations
        source_dtype = source[column].dtype if column in source else None
        if (
            source_dtype is not None
            and pd.api.types.is_integer_dtype(source_dtype)
            and not pd.api.types.is_integer_dtype(submissions[column].dtype)
        ):
            submissions[column] = submissions[column].astype("Int64")
    return submissions


def compare_to_gold(
    gold: pd.DataFrame,
    annotations: pd.DataFrame,
    iou_threshold: IouThreshold = 0.5,
    *,
    class_aware: bool = True,
    assignments: pd.DataFrame | None = None,
    gold_items: Iterable[int] | None = None,
    items: pd.DataFrame | None = None,
) -> GoldComparison:
    """Match ``annotations`` against ``gold`` and collect roll-up attributes.

    ``gold``/``annotations``: canonical frames (``item_id, class_id, x, y, w, h``; annotations
    also ``annotator_id``; optional ``cohort_id``, ``created_at``, ``occluded``, ``truncated``,
    ``scene_tags``).  Gold ``annotator_id`` is ignored.  ``assignments``: ``item_id,
    annotator_id`` (+ any attribute such as ``cohort_id``) of submissions to grade even when they
    hold no box.  ``gold_items``: gold item ids, including items whose gold holds no object.
    ``items``: ``item_id, scene_tags`` (else tags come from ``gold.scene_tags`` if present).
    """
    match = match_boxes(
        gold,
        annotations,
        iou_threshold,
        class_aware,
        assignments=assignments,
        gold_items=gold_items,
    )
    return GoldComparison(
        gold=gold,
        annotations=annotations,
        match=match,
        submissions=_submission_attributes(match.groups, annotations, assignments),
        item_tags=_item_tags(items, gold),
        iou_threshold=iou_threshold,
        class_aware=class_aware,
    )
