"""Active-learning rounds: start (validated, audited), then run as a job.

The run builds features for the project's items (apps.active.features loads the images,
labelqc.active.features computes the vectors), item-level labels and sample weights
(apps.active.selectors), standardises the features, and calls
`labelqc.active.run_round` with a logistic-regression model and the requested strategy. The
picks go to the front of the annotator queue: with k picks and P the highest priority among the
project's other items (at least 0), pick r (0 = most wanted) gets priority
max(current, P + round(k * p_r)) where p_r = (k - r) / k is the round's queue priority, so the
picks are served first and in pick order. Their assignment slots are created if missing (the
queue serves open slots). The priority changes, the picks and the round record are written in
one transaction with the job's success, and audited.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from sklearn.linear_model import LogisticRegression

from apps.active import selectors
from apps.active.features import item_features
from apps.active.models import ActiveLearningPick, ActiveLearningRound, RoundStatus
from apps.audit.services import audit, audit_many, audited_change, snapshot
from apps.common.exceptions import ServiceValidationError
from apps.items.models import Item
from apps.jobs.dispatch import job_send_on_commit
from apps.jobs.models import Job
from apps.jobs.services import job_claim, job_create, job_finish, job_lock_running, job_release
from apps.prelabel.backends import BackendConfigError, configured_backend_name
from apps.prelabel.images import StorageError
from apps.projects.models import LabelClass
from apps.workflow.services.queue import ensure_slots, set_item_priorities
from labelqc.active import (
    ActiveLearningInputError,
    DiversitySampling,
    HybridSampling,
    QueryStrategy,
    RandomSampling,
    Sam2UncertaintySampling,
    UncertaintySampling,
    run_round,
)
from labelqc.active.features import IMAGE_STATS_VERSION, SAM2_EMBEDDING, standardize

JOB_KIND = "active.round"
STRATEGIES = (
    "least_confidence", "margin", "entropy", "sam2_uncertainty", "diversity", "hybrid", "random",
)  # fmt: skip
MODEL_PARAMS = {"C": 1.0, "max_iter": 1000}


def strategy_for(name: str) -> QueryStrategy:
    if name in ("least_confidence", "margin", "entropy"):
        return UncertaintySampling(method=name)  # type: ignore[arg-type]
    return {
        "sam2_uncertainty": Sam2UncertaintySampling,
        "diversity": DiversitySampling,
        "hybrid": HybridSampling,
        "random": RandomSampling,
    }[name]()


def model_factory() -> LogisticRegression:
    return LogisticRegression(**MODEL_PARAMS)


def _check_start(project_id: int, strategy: QueryStrategy, features: str) -> None:
    if features == SAM2_EMBEDDING and configured_backend_name() != "sam2":
        raise ServiceValidationError(
            "sam2_embedding needs a SAM 2 checkpoint (LABELQC_SAM2_CHECKPOINT); use image_stats",
            "features",
        )
    items = selectors.pool_items(project_id=project_id)
    if not any(not item.is_gold for item in items):
        raise ServiceValidationError("the project has no items to pick from", "strategy")
    ids = [item.pk for item in items]
    if strategy.input_kind == "probas":
        labels = selectors.item_labels(
            project_id=project_id, item_ids=ids, down_weight_below_gold=None
        )
        if len(set(labels.labels.values())) < 2:
            raise ServiceValidationError(
                f"{strategy.name} needs a model, and a model needs labeled items of at least two "
                "classes (consensus, gold or approved annotations); start with diversity or random",
                "strategy",
            )
    if strategy.input_kind == "scores" and not selectors.prelabel_uncertainty(item_ids=ids):
        raise ServiceValidationError(
            "no item has a SAM 2 pre-label with an uncertainty yet: run a pre-labeling job first",
            "strategy",
        )


def round_start(
    *,
    actor: Any,
    project_id: int,
    strategy: str,
    batch_size: int,
    features: str,
    seed: int,
    down_weight_below_gold: float | None,
    reason: str = "",
) -> ActiveLearningRound:
    _check_start(project_id, strategy_for(strategy), features)
    with transaction.atomic():
        job = job_create(
            kind=JOB_KIND, project_id=project_id, actor=actor, params={"reason": reason}
        )
        round_ = ActiveLearningRound.objects.create(
            project_id=project_id,
            job=job,
            strategy=strategy,
            batch_size=batch_size,
            features=features,
            seed=seed,
            down_weight_below_gold=down_weight_below_gold,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        Job.objects.filter(pk=job.pk).update(params={"round": round_.pk, "reason": reason})
        audit(
            actor=actor,
            project_id=project_id,
            action="active.round_start",
            entity=round_,
            after=snapshot(round_),
            reason=reason,
        )
        job_send_on_commit(job)
    return round_


def round_send(job: Job) -> None:
    """A round on SAM 2 embeddings runs on the gpu queue, any other on default."""
    from apps.active.tasks import run_round_default, run_round_gpu

    features = ActiveLearningRound.objects.values_list("features", flat=True).get(job=job)
    (run_round_gpu if features == SAM2_EMBEDDING else run_round_default).delay(job.pk)


def _fail(round_: ActiveLearningRound, field: str, message: str) -> None:
    with transaction.atomic():
        ActiveLearningRound.objects.filter(pk=round_.pk).update(
            status=RoundStatus.FAILED, error=message, finished_at=timezone.now()
        )
        job_finish(round_.job_id, errors=[{"field": field, "messages": [message]}], failed=True)


@dataclass(frozen=True)
class TrainingData:
    """The round's items in model order, with features, labels (-1: unlabeled) and weights."""

    ids: list[int]
    features: np.ndarray
    labels: np.ndarray
    weights: np.ndarray | None
    scores: np.ndarray | None
    pool: dict[str, Any]


def training_data(round_: ActiveLearningRound, strategy: QueryStrategy) -> TrainingData:
    """Features for the project's items, their labels and weights; gold items only if labeled,
    and for SAM 2 uncertainty sampling only items with a pre-label uncertainty (or a label)."""
    items = selectors.pool_items(project_id=round_.project_id)
    ids, matrix, excluded = item_features(items, round_.features)
    gold = {item.pk for item in items if item.is_gold}
    found = selectors.item_labels(
        project_id=round_.project_id,
        item_ids=ids,
        down_weight_below_gold=round_.down_weight_below_gold,
    )
    # Unlabeled items are candidates only if the queue can serve them (a pick that waits in an
    # unreleased batch or is held as a duplicate would never be labeled).
    unservable = selectors.unservable_item_ids(project_id=round_.project_id)
    held = {pk for pk in ids if pk in unservable and pk not in found.labels and pk not in gold}
    if held:
        excluded["held by intake or not released"] = len(held)
    not_candidates = gold | held
    keep = [i for i, pk in enumerate(ids) if pk in found.labels or pk not in not_candidates]
    known: dict[int, float] = {}
    if strategy.input_kind == "scores":
        known = selectors.prelabel_uncertainty(item_ids=ids)
        unscored = {i for i in keep if ids[i] not in found.labels and ids[i] not in known}
        if unscored:
            excluded["no SAM 2 uncertainty"] = len(unscored)
        keep = [i for i in keep if i not in unscored]
    kept = [ids[i] for i in keep]
    labels = np.array([found.labels.get(pk, selectors.UNLABELED) for pk in kept], dtype=np.int64)
    weights = None
    if round_.down_weight_below_gold is not None:
        weights = np.array([found.weights.get(pk, 1.0) for pk in kept])
    pool = {
        "labeled": int((labels != selectors.UNLABELED).sum()),
        "unlabeled": int((labels == selectors.UNLABELED).sum()),
        "excluded": excluded,
        "label_sources": dict(Counter(found.sources[pk] for pk in kept if pk in found.sources)),
    }
    return TrainingData(
        ids=kept,
        features=standardize(matrix[keep]),
        labels=labels,
        weights=weights,
        scores=np.array([known.get(pk, 0.0) for pk in kept]) if known else None,
        pool=pool,
    )


def round_run(job_id: int) -> None:
    job = job_claim(job_id)
    if job is None:
        return
    round_ = ActiveLearningRound.objects.get(job_id=job_id)
    strategy = strategy_for(round_.strategy)
    try:
        data = training_data(round_, strategy)
    except StorageError:
        job_release(job_id)
        raise
    except (BackendConfigError, ValueError) as error:
        return _fail(round_, "features", str(error))
    classes = sorted(
        LabelClass.objects.filter(project_id=round_.project_id).values_list("pk", flat=True)
    )
    try:
        result = run_round(
            data.features, data.labels, data.weights, model_factory, strategy,
            round_.batch_size, round_.seed, uncertainty_scores=data.scores, classes=classes,
        )  # fmt: skip
    except ActiveLearningInputError as error:
        return _fail(round_, str(error).split(":", 1)[0], str(error))
    sam2 = round_.features == SAM2_EMBEDDING
    model = {
        "kind": "logistic_regression",
        "params": MODEL_PARAMS,
        "features": round_.features,
        "feature_version": "sam2/mean-pooled" if sam2 else IMAGE_STATS_VERSION,
        "n_features": int(data.features.shape[1]),
        "standardized": True,
        "sample_weights": data.weights is not None,
        "classes": classes,
        "metrics": None if result.metrics is None else asdict(result.metrics),
        "metrics_reason": result.metrics_reason,
    }
    picks = [
        (data.ids[int(i)], float(s), float(p))
        for i, s, p in zip(result.selected, result.scores, result.priorities, strict=True)
    ]
    _record(job, round_, picks, model, data.pool)


def _record(
    job: Job,
    round_: ActiveLearningRound,
    picks: list[tuple[int, float, float]],
    model: dict[str, Any],
    pool: dict[str, Any],
) -> None:
    picked = [item_id for item_id, _, _ in picks]
    with transaction.atomic():
        if not job_lock_running(job.pk):
            ActiveLearningRound.objects.filter(pk=round_.pk).update(status=RoundStatus.CANCELLED)
            return
        current = dict(
            Item.objects.select_for_update().filter(pk__in=picked).values_list("pk", "priority")
        )
        others = Item.objects.filter(project_id=round_.project_id).exclude(pk__in=picked)
        base = max(others.aggregate(top=Max("priority"))["top"] or 0, 0)
        k = len(picks)
        rows, changes, raised = [], [], {}
        for rank, (item_id, score, priority) in enumerate(picks):
            before = current[item_id]
            after = max(before, base + round(k * priority))
            if after != before:
                raised[item_id] = after
                changes.append((item_id, {"priority": before}, {"priority": after}))
            rows.append(ActiveLearningPick(
                round=round_, item_id=item_id, rank=rank, score=score,
                priority_before=before, priority_after=after,
            ))  # fmt: skip
        set_item_priorities(priorities=raised)
        ActiveLearningPick.objects.bulk_create(rows)
        audit_many(
            actor=job.created_by,
            project_id=round_.project_id,
            action="item.priority_raise",
            entity_type="items.item",
            changes=changes,
            reason=f"active-learning round {round_.pk} ({round_.strategy})",
        )
        with audited_change(actor=job.created_by, action="active.round_done", entity=round_):
            ActiveLearningRound.objects.filter(pk=round_.pk).update(
                status=RoundStatus.DONE, model=model, pool=pool, finished_at=timezone.now()
            )
            round_.refresh_from_db()
        regular = list(
            Item.objects.filter(pk__in=picked, is_gold=False).values_list("pk", flat=True)
        )
        if regular:
            ensure_slots(project_id=round_.project_id, item_ids=regular)
        job_finish(
            job.pk,
            result={
                "round": round_.pk,
                "selected": picked,
                "metrics": model["metrics"],
                "pool": pool,
            },
        )
        Job.objects.filter(pk=job.pk).update(progress_done=k, progress_total=k)
