"""Reads: rate cards as labelqc.cost values, and the work log built from workflow data.

Work log (labelqc.cost.actual_costs): one row per submitted, non-gold Assignment, indexed by the
assignment id:
- cohort_id / vendor: the annotator's cohort and its vendor label (the cohort's vendor, or its
  name when it has none); an annotator without a cohort is cohort 0, vendor "(no cohort)";
- n_objects: the annotator's human annotations on the item; class_id: the class with most of
  them (ties: lowest id; 0 when there are none) -- the class mix itself is kept apart
  (``class_shares``) so costs by class can be split over an item's classes;
- annotation_seconds: client_seconds when the client reported them, else server_seconds;
- rework_cycles, completed_at = submitted_at;
- review_decision from the reviews: none -> "unreviewed"; the latest decided review's
  approved / edited / escalated; rejected and sent back for rework -> "pending" (one review
  pass so far per cycle; the fix is under way); a re-review still open -> "pending", unless it
  is the escalation of the same cycle -> "escalated".
Gold (honeypot) assignments are left out: they are QA of annotators, not labels delivered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db.models import Count, QuerySet

from apps.annotations.models import Annotation, Source
from apps.common.exceptions import ServiceValidationError
from apps.costs.domain import pure_card
from apps.costs.models import CostReport, RateCard, ReportStatus, Scenario
from apps.items.models import Item
from apps.projects.models import Cohort, LabelClass, Project
from apps.workflow.models import Assignment, AssignmentStatus, Review, ReviewStatus
from labelqc.cost import RateCard as PureRateCard

NO_COHORT_ID = 0
NO_COHORT_VENDOR = "(no cohort)"
NO_CLASS_ID = 0
DECIDED = (
    ReviewStatus.APPROVED,
    ReviewStatus.EDITED,
    ReviewStatus.REJECTED,
    ReviewStatus.ESCALATED,
)
OPEN = (ReviewStatus.PENDING, ReviewStatus.LEASED)
WORKLOG_DTYPES = {
    "item_id": "int64",
    "class_id": "int64",
    "cohort_id": "int64",
    "vendor": object,
    "review_decision": object,
    "rework_cycles": "int64",
    "n_objects": "float64",
    "annotation_seconds": "float64",
}


def vendor_label(cohort: Cohort | None) -> str:
    if cohort is None:
        return NO_COHORT_VENDOR
    return cohort.vendor.strip() or cohort.name


def rate_cards_of(*, project_id: int) -> QuerySet[RateCard]:
    return RateCard.objects.filter(project_id=project_id).select_related("cohort")


def card_values(card: RateCard) -> dict:
    return {
        "vendor": card.vendor,
        "cohort_id": card.cohort_id,
        "rate_unit": card.rate_unit,
        "rate_amount": card.rate_amount,
        "reviewer_rate_unit": card.reviewer_rate_unit or None,
        "reviewer_rate_amount": card.reviewer_rate_amount,
        "correction_effort": card.correction_effort,
        "engineering_cost_per_batch": card.engineering_cost_per_batch,
        "batch_size": card.batch_size,
        "remediation_cost_per_escape": card.remediation_cost_per_escape,
    }


def pure_rate_cards(*, project_id: int) -> list[PureRateCard]:
    """The project's cards as labelqc.cost values. A stored card labelqc.cost now refuses (say a
    price above its limit, saved before the limit existed) is a ServiceValidationError naming
    the card and the field, e.g. "rate_cards[3].rate_amount", for the report or page to show."""
    cards = []
    for card in rate_cards_of(project_id=project_id):
        try:
            cards.append(pure_card(card_values(card)))
        except ServiceValidationError as exc:
            raise ServiceValidationError(
                {
                    f"rate_cards[{card.pk}].{field}": messages
                    for field, messages in exc.errors.items()
                }
            ) from None
    return cards


def scenarios_of(*, project_id: int) -> QuerySet[Scenario]:
    return Scenario.objects.filter(project_id=project_id).order_by("-is_baseline", "id")


def latest_report(*, project_id: int) -> CostReport | None:
    return (
        CostReport.objects.filter(project_id=project_id, status=ReportStatus.SUCCEEDED)
        .order_by("-id")
        .first()
    )


def planned_labels(*, project: Project) -> int:
    """Labels the program delivers in all: its regular (non-gold) items x overlap."""
    return Item.objects.filter(project=project, is_gold=False).count() * project.overlap


def names(*, project_id: int) -> dict[str, dict[int, str]]:
    classes = dict(LabelClass.objects.filter(project_id=project_id).values_list("id", "name"))
    cohorts = dict(Cohort.objects.filter(project_id=project_id).values_list("id", "name"))
    return {
        "class": {NO_CLASS_ID: "(no objects)", **classes},
        "cohort": {NO_COHORT_ID: NO_COHORT_VENDOR, **cohorts},
    }


@dataclass(frozen=True)
class Worklog:
    frame: pd.DataFrame  # labelqc.cost work log, index = assignment id
    class_shares: pd.DataFrame  # assignment_id, class_id, share (sums to 1 per assignment)
    gold_left_out: int


def _assignments(project_id: int) -> pd.DataFrame:
    fields = [
        "id",
        "item_id",
        "annotator_id",
        "annotator__cohort_id",
        "annotator__cohort__vendor",
        "annotator__cohort__name",
        "is_gold",
        "status",
        "rework_cycles",
        "client_seconds",
        "server_seconds",
        "submitted_at",
    ]
    rows = Assignment.objects.filter(
        project_id=project_id, submitted_at__isnull=False, annotator__isnull=False
    ).values_list(*fields)
    return pd.DataFrame.from_records(list(rows), columns=fields)


def _object_counts(project_id: int, assignments: pd.DataFrame) -> pd.DataFrame:
    rows = (
        Annotation.objects.filter(project_id=project_id, source=Source.HUMAN, author__isnull=False)
        .values("item_id", "author_id", "label_class_id")
        .annotate(n=Count("id"))
        .values_list("item_id", "author_id", "label_class_id", "n")
    )
    counts = pd.DataFrame.from_records(
        list(rows), columns=["item_id", "annotator_id", "class_id", "n"]
    )
    keys = assignments[["id", "item_id", "annotator_id"]]
    return keys.merge(counts, on=["item_id", "annotator_id"]).rename(
        columns={"id": "assignment_id"}
    )


def _class_mix(assignments: pd.DataFrame, counts: pd.DataFrame) -> tuple[pd.DataFrame, ...]:
    totals = counts.groupby("assignment_id")["n"].sum()
    dominant = (
        counts.sort_values(["assignment_id", "n", "class_id"], ascending=[True, False, True])
        .drop_duplicates("assignment_id")
        .set_index("assignment_id")["class_id"]
    )
    shares = counts.assign(share=counts["n"] / counts["assignment_id"].map(totals))[
        ["assignment_id", "class_id", "share"]
    ]
    empty = assignments.loc[~assignments["id"].isin(totals.index), "id"]
    shares = pd.concat(
        [shares, pd.DataFrame({"assignment_id": empty, "class_id": NO_CLASS_ID, "share": 1.0})],
        ignore_index=True,
    ).astype({"assignment_id": "int64", "class_id": "int64", "share": "float64"})
    return totals, dominant, shares


def _decisions(project_id: int, assignments: pd.DataFrame) -> np.ndarray:
    rows = (
        Review.objects.filter(project_id=project_id)
        .order_by("id")
        .values_list("assignment_id", "status", "cycle")
    )
    reviews = pd.DataFrame.from_records(list(rows), columns=["assignment_id", "status", "cycle"])
    last = reviews.groupby("assignment_id").last()
    decided = reviews[reviews["status"].isin(DECIDED)].groupby("assignment_id").last()
    ids = assignments["id"]
    last_status = ids.map(last["status"]).to_numpy(dtype=object)
    last_cycle = ids.map(last["cycle"]).to_numpy(dtype=float)
    decided_status = ids.map(decided["status"]).to_numpy(dtype=object)
    decided_cycle = ids.map(decided["cycle"]).to_numpy(dtype=float)
    cycles = assignments["rework_cycles"].to_numpy()
    none = pd.isna(last_status)
    still_open = np.isin(last_status, OPEN)
    in_rework = assignments["status"].to_numpy() == AssignmentStatus.REWORK
    return np.select(
        [
            none & (cycles == 0),
            none,  # reworked yet never reviewed: inconsistent, counted as in flight
            still_open & (decided_status == ReviewStatus.ESCALATED) & (decided_cycle == last_cycle),
            still_open,
            (last_status == ReviewStatus.REJECTED) & in_rework,
        ],
        ["unreviewed", "pending", "escalated", "pending", "pending"],
        default=last_status,
    ).astype(object)


def worklog(*, project_id: int) -> Worklog:
    """The project's work log for labelqc.cost.actual_costs (see the module docstring)."""
    assignments = _assignments(project_id)
    gold = assignments["is_gold"].astype(bool)
    assignments = assignments[~gold].reset_index(drop=True)
    counts = _object_counts(project_id, assignments)
    totals, dominant, shares = _class_mix(assignments, counts)
    ids = assignments["id"]
    cohort = assignments["annotator__cohort_id"]
    vendor = assignments["annotator__cohort__vendor"].fillna("").str.strip()
    vendor = vendor.where(vendor != "", assignments["annotator__cohort__name"])
    seconds = assignments["client_seconds"].astype("float64")
    frame = pd.DataFrame(
        {
            "item_id": assignments["item_id"],
            "class_id": ids.map(dominant).fillna(NO_CLASS_ID),
            "cohort_id": cohort.fillna(NO_COHORT_ID),
            "vendor": vendor.where(cohort.notna(), NO_COHORT_VENDOR),
            "review_decision": _decisions(project_id, assignments),
            "rework_cycles": assignments["rework_cycles"],
            "completed_at": pd.to_datetime(assignments["submitted_at"], utc=True),
            "n_objects": ids.map(totals).fillna(0),
            "annotation_seconds": seconds.where(
                seconds.notna(), assignments["server_seconds"].astype("float64")
            ),
        }
    ).astype(WORKLOG_DTYPES)
    frame.index = pd.Index(ids.to_numpy(dtype=np.int64), name="assignment_id")
    if frame.empty:  # keep a datetime dtype so period labels work on no rows
        frame["completed_at"] = pd.Series([], dtype="datetime64[ns, UTC]")
    return Worklog(frame=frame, class_shares=shares, gold_left_out=int(gold.sum()))
