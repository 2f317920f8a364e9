"""Draft review: rows of correction effort, drafts and gold -> labelqc.quality.review_drafts.

Each submission's correction-effort records link every draft the annotator was shown to their
final shape (or none); see labelqc.quality.draft_review for what counts as a wrong draft and as
passing one through.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pandas as pd
from django.core.cache import cache
from django.db.models import Count, F, Max, Q, QuerySet

from apps.annotations.models import Annotation, Source
from apps.items.models import Item
from apps.projects.models import Annotator, Project
from apps.projects.selectors import class_thresholds
from apps.workflow.models import CorrectionEffort
from labelqc.quality import to_records
from labelqc.quality.draft_review import DraftReview, DraftReviewParams, review_drafts

_BOX = ("x", "y", "w", "h")
UNKNOWN_RATE = -1.0  # cached "too few wrong drafts yet"
RATE_CACHE_SECONDS = 24 * 3600


def submitted_efforts(
    project_id: int,
    since: datetime | None,
    until: datetime | None,
    cohort_id: int | None,
    class_id: int | None,
) -> QuerySet:
    """Correction-effort records of submitted work, by submission time, cohort and draft class."""
    # Only the records of each assignment's latest submission (a redo replaces the first pass).
    query = CorrectionEffort.objects.filter(
        project_id=project_id,
        assignment__annotator__isnull=False,
        created_at__gte=F("assignment__submitted_at"),
    )
    if since:
        query = query.filter(assignment__submitted_at__gte=since)
    if until:
        query = query.filter(assignment__submitted_at__lt=until)
    if cohort_id:
        query = query.filter(assignment__annotator__cohort_id=cohort_id)
    if class_id:
        query = query.filter(label_class_id=class_id)
    return query


def _box_frame(query: QuerySet) -> pd.DataFrame:
    rows = list(query.values_list("id", "item_id", "label_class_id", *_BOX))
    frame = pd.DataFrame(rows, columns=["id", "item_id", "class_id", *_BOX])
    return frame.astype({"id": "int64", "item_id": "int64", "class_id": "int64"}).astype(
        {c: float for c in _BOX}
    )


def default_params(project_id: int, **overrides: Any) -> DraftReviewParams:
    """The project's "approved as is" IoU as kept_iou, unless given."""
    if overrides.get("kept_iou") is None:
        project = Project.objects.only("effort_approved_iou").get(pk=project_id)
        overrides["kept_iou"] = project.effort_approved_iou
    return DraftReviewParams(**overrides)


def _review(
    efforts: QuerySet, project_id: int, params: DraftReviewParams, window: str | None = None
) -> DraftReview:
    # Off the gold items a draft needs only its kept test, which the database counts; the rows
    # (and the shapes to grade) are loaded for the drafts on gold items alone.
    kept = Q(final_label_class_id=F("label_class_id"), iou__gte=params.kept_iou)
    reviewed = pd.DataFrame(
        list(
            efforts.values("assignment__annotator_id")
            .annotate(drafts_reviewed=Count("id"), kept=Count("id", filter=kept))
            .values_list("assignment__annotator_id", "drafts_reviewed", "kept")
            .order_by()
        ),
        columns=["annotator_id", "drafts_reviewed", "kept"],
    )
    on_gold = efforts.filter(prelabel__item__is_gold=True)
    columns = ["annotator_id", "draft_id", "final_class_id", "iou", "submitted_at"]
    decisions = pd.DataFrame(
        list(
            on_gold.values_list(
                "assignment__annotator_id",
                "prelabel_id",
                "final_label_class_id",
                "iou",
                "assignment__submitted_at",
            )
        ),
        columns=columns,
    )
    decisions["submitted_at"] = pd.to_datetime(decisions["submitted_at"], utc=True)
    shown = Annotation.objects.filter(pk__in=on_gold.values("prelabel_id"))
    gold_items = Item.objects.filter(pk__in=shown.values("item_id"), is_gold=True)
    gold = Annotation.objects.filter(item__in=gold_items, source=Source.GOLD).exclude(
        geometry_type="tag"
    )
    return review_drafts(
        _box_frame(shown).set_index("id"),
        decisions,
        _box_frame(gold).set_index("id"),
        class_thresholds(project_id=project_id),
        gold_items=list(gold_items.values_list("pk", flat=True)),
        params=params,
        reviewed=reviewed,
        window=window,
    )


def pass_through_rates(*, project_id: int, annotator_ids: Iterable[int]) -> dict[int, float]:
    """Each annotator's share of wrong drafts on gold items kept as is; absent until they have
    seen DraftReviewParams.min_wrong_drafts of them (one kept draft out of one is no evidence).

    Only honeypot submissions show gold items, so only their records are read. A rule reads this
    on every reviewed submit, and it changes only with a new honeypot submission, a gold edit or
    new thresholds, so each annotator's rate is cached under a stamp of exactly those.
    """
    params = default_params(project_id)
    efforts = submitted_efforts(project_id, None, None, None, None).filter(
        assignment__is_gold=True, assignment__annotator_id__in=sorted(set(annotator_ids))
    )
    history = {
        annotator: (n, last)
        for annotator, n, last in efforts.values("assignment__annotator_id")
        .annotate(n=Count("id"), last=Max("id"))
        .values_list("assignment__annotator_id", "n", "last")
        .order_by()
    }
    context = _rate_context(project_id, params)
    keys = {
        a: f"labelqc:pass-through:{project_id}:{a}:{n}-{last}:{context}"
        for a, (n, last) in history.items()
    }
    cached_rates = cache.get_many(list(keys.values()))
    missing = [a for a, key in keys.items() if key not in cached_rates]
    if missing:
        table = _review(
            efforts.filter(assignment__annotator_id__in=missing), project_id, params
        ).annotators.set_index("annotator_id")
        fresh = {
            keys[a]: (
                float(table.at[a, "pass_through_rate"])
                if a in table.index and table.at[a, "wrong_drafts"] >= params.min_wrong_drafts
                else UNKNOWN_RATE
            )
            for a in missing
        }
        cache.set_many(fresh, RATE_CACHE_SECONDS)
        cached_rates |= fresh
    rates = {a: cached_rates[key] for a, key in keys.items()}
    return {a: rate for a, rate in rates.items() if rate != UNKNOWN_RATE}


def _rate_context(project_id: int, params: DraftReviewParams) -> str:
    created = Project.objects.filter(pk=project_id).values_list("created_at", flat=True).get()
    gold = Annotation.objects.filter(project_id=project_id, source=Source.GOLD).aggregate(
        n=Count("id"), last=Max("updated_at")
    )
    thresholds = sorted(class_thresholds(project_id=project_id).items())
    stamp = repr((created, gold, thresholds, params))
    return hashlib.sha256(stamp.encode()).hexdigest()[:16]


def draft_review(
    *,
    project_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
    cohort_id: int | None = None,
    class_id: int | None = None,
    params: DraftReviewParams,
    window: str | None = None,
) -> dict[str, Any]:
    """Per annotator: drafts kept as is, and wrong drafts on gold items passed through (also per
    `window` of submission time when one is given)."""
    efforts = submitted_efforts(project_id, since, until, cohort_id, class_id)
    result = _review(efforts, project_id, params, window)
    names = dict(
        Annotator.objects.filter(project_id=project_id).values_list("pk", "user__username")
    )
    annotators = result.annotators.assign(
        username=result.annotators["annotator_id"].map(names).fillna("")
    )
    return {
        "params": {
            "kept_iou": params.kept_iou,
            "max_pass_through": params.max_pass_through,
            "min_wrong_drafts": params.min_wrong_drafts,
            "z": params.z,
        },
        "totals": result.totals,
        "annotators": to_records(annotators),
        "window": window,
        "by_window": None
        if result.by_window is None
        else to_records(
            result.by_window.assign(username=result.by_window["annotator_id"].map(names).fillna(""))
        ),
    }
