"""Draft quality by model version: how good the model's drafts were, judged by what humans kept.

Every submission over drafts records, per draft, the final shape it was matched to (or none:
deleted) with the correction-effort bucket, and every final shape no draft matched (added: an
object the model missed). Per model version and class:

- ``precision`` = drafts kept in some form (matched to a final shape) / drafts;
- ``recall`` = kept drafts / (kept drafts + shapes humans added), i.e. the share of the objects
  the annotators ended up with that the model had drafted;
- the effort mix of the kept drafts (approved as is, minor edit, redrawn) and the drafts whose
  class the human changed; ``mean_iou`` of a kept draft with its final shape.

A kept draft counts under the draft's class, an added shape under its own class, so a class's
recall reads "of the objects of this class in the final labels, how many were drafted as this
class or kept from a draft of it". No gold is needed: this measures the drafts against the work
done on them, which is what a lead deciding between model versions pays for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelqc.effort import APPROVED_AS_IS, MINOR_EDIT, REWORK

DRAFT_COLUMNS = ("model_id", "class_id", "bucket", "deleted", "relabeled", "n", "iou_sum")
ADDED_COLUMNS = ("model_id", "class_id", "n")
OUTPUT_COLUMNS = (
    "model_id",
    "class_id",
    "drafts",
    "kept",
    "deleted",
    "added",
    "approved_as_is",
    "minor_edit",
    "redrawn",
    "relabeled",
    "precision",
    "recall",
    "approved_as_is_share",
    "mean_iou",
)


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing columns {missing}")


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator.where(denominator > 0)).astype(float)


def draft_quality(drafts: pd.DataFrame, added: pd.DataFrame) -> pd.DataFrame:
    """Per (model_id, class_id), then one row per model with class_id None (all classes).

    `drafts`: counted groups of drafts (model_id, class_id, bucket, deleted, relabeled, n, and
    iou_sum over the group); `added`: counted shapes humans added (model_id, class_id, n).
    """
    _require(drafts, DRAFT_COLUMNS, "drafts")
    _require(added, ADDED_COLUMNS, "added")
    unknown = set(drafts["bucket"]) - {APPROVED_AS_IS, MINOR_EDIT, REWORK}
    if unknown:
        raise ValueError(f"drafts: unknown buckets {sorted(unknown)}")
    keys = ["model_id", "class_id"]
    d = drafts.assign(
        deleted=drafts["deleted"].astype(bool), relabeled=drafts["relabeled"].astype(bool)
    )
    kept = ~d["deleted"]
    counts = pd.DataFrame(
        {
            "model_id": d["model_id"],
            "class_id": d["class_id"],
            "drafts": d["n"],
            "kept": d["n"].where(kept, 0),
            "deleted": d["n"].where(d["deleted"], 0),
            "approved_as_is": d["n"].where(kept & (d["bucket"] == APPROVED_AS_IS), 0),
            "minor_edit": d["n"].where(kept & (d["bucket"] == MINOR_EDIT), 0),
            "redrawn": d["n"].where(kept & (d["bucket"] == REWORK), 0),
            "relabeled": d["n"].where(kept & d["relabeled"], 0),
            "iou_kept": d["iou_sum"].where(kept, 0.0),
            "added": 0,
        }
    )
    additions = pd.DataFrame(
        {"model_id": added["model_id"], "class_id": added["class_id"], "added": added["n"]}
    ).reindex(columns=counts.columns, fill_value=0)
    both = pd.concat([counts, additions], ignore_index=True)
    per_class = both.groupby(keys, sort=True).sum().reset_index()
    per_model = per_class.drop(columns="class_id").groupby("model_id", sort=True).sum()
    per_model = per_model.reset_index().assign(class_id=None)
    table = pd.concat([per_class, per_model], ignore_index=True)
    integers = ["drafts", "kept", "deleted", "added", "approved_as_is", "minor_edit", "redrawn"]
    table[[*integers, "relabeled"]] = table[[*integers, "relabeled"]].astype(np.int64)
    table["precision"] = _ratio(table["kept"], table["drafts"])
    table["recall"] = _ratio(table["kept"], table["kept"] + table["added"])
    table["approved_as_is_share"] = _ratio(table["approved_as_is"], table["drafts"])
    table["mean_iou"] = _ratio(table["iou_kept"], table["kept"])
    order = table["class_id"].isna()
    table = table.assign(_total=order).sort_values(["model_id", "_total"], kind="stable")
    return table.loc[:, list(OUTPUT_COLUMNS)].reset_index(drop=True)
