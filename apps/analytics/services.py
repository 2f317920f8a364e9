"""Quality reports: start (a job + snapshot row), compute shards, merge exactly, finalize."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from apps.analytics.frames import project_frames
from apps.analytics.models import QualityReport, ReportShard, ReportStatus
from apps.common.exceptions import ServiceValidationError
from apps.items.models import Item
from apps.jobs.dispatch import job_send_on_commit
from apps.jobs.services import job_create, job_finish, job_heartbeat, job_lock_running, job_progress
from apps.projects.models import Project
from apps.projects.selectors import class_thresholds
from apps.workflow.models import ClassSla
from labelqc.report import (
    ReportFrames,
    ReportInputError,
    ReportParams,
    ShardStats,
    compute_shard,
    finalize,
    merge,
)

REPORT_KIND = "analytics.quality_report"
CONSENSUS_KIND = "analytics.consensus"
ITEMS_PER_SHARD = 50_000
MAX_SHARDS = 64


def report_params(project: Project, window: str) -> ReportParams:
    thresholds = class_thresholds(project_id=project.pk)
    sla = dict(thresholds)
    sla.update(
        {
            class_id: value
            for class_id, value in ClassSla.objects.filter(
                project=project, iou_threshold__isnull=False
            ).values_list("label_class_id", "iou_threshold")
        }
    )
    try:
        return ReportParams(
            iou_threshold=thresholds or project.default_iou_threshold,
            iou_sla=sla or 0.75,
            window=window,
        )
    except ReportInputError as exc:
        field = str(exc).split(":", 1)[0]
        raise ServiceValidationError(
            str(exc), field=field if field == "window" else "params"
        ) from exc


def _params_json(params: ReportParams) -> dict[str, Any]:
    return {"window": params.window, "fingerprint": params.fingerprint}


def _shard_ranges(project_id: int, n_shards: int | None) -> list[tuple[int, int]]:
    items = Item.objects.filter(project_id=project_id)
    bounds = items.aggregate(low=Min("id"), high=Max("id"))
    count = items.count()
    if not count:
        return []
    n = n_shards or min(MAX_SHARDS, max(1, math.ceil(count / ITEMS_PER_SHARD)))
    ids = np.fromiter(
        items.order_by("id").values_list("id", flat=True), dtype=np.int64, count=count
    )
    parts = [part for part in np.array_split(ids, min(n, count)) if part.size]
    assert bounds["low"] == parts[0][0] and bounds["high"] == parts[-1][-1]
    return [(int(part[0]), int(part[-1])) for part in parts]


def report_start(
    *,
    actor: Any,
    project_id: int,
    filters: dict[str, Any],
    window: str = "1D",
    n_shards: int | None = None,
) -> QualityReport:
    """Create the snapshot and its job; the work runs in Celery (never in the web request)."""
    project = Project.objects.get(pk=project_id)
    params = report_params(project, window)
    ranges = _shard_ranges(project_id, n_shards)
    with transaction.atomic():
        job = job_create(
            kind=REPORT_KIND,
            project_id=project_id,
            actor=actor,
            params={"filters": _jsonable(filters), "window": window},
            total=max(len(ranges), 1),
        )
        report = QualityReport.objects.create(
            project_id=project_id,
            filters=_jsonable(filters),
            params=_params_json(params),
            n_shards=max(len(ranges), 1),
            job=job,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        ReportShard.objects.bulk_create(
            ReportShard(report=report, index=i, item_min=low, item_max=high)
            for i, (low, high) in enumerate(ranges)
        )
        job_send_on_commit(job)
    return report


def _jsonable(filters: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if isinstance(v, datetime) else v)
        for k, v in filters.items()
        if v not in (None, [])
    }


def _filters(report: QualityReport) -> dict[str, Any]:
    out = dict(report.filters)
    for key in ("since", "until"):
        if out.get(key):
            out[key] = datetime.fromisoformat(out[key])
    return out


def shard_frames_from_db(report: QualityReport, shard: ReportShard | None) -> ReportFrames:
    frames = project_frames(
        project_id=report.project_id,
        item_min=shard.item_min if shard else None,
        item_max=shard.item_max if shard else None,
        **_filters(report),
    )
    cohort = dict(
        zip(frames.annotators["annotator_id"], frames.annotators["cohort_id"], strict=True)
    )
    assignments = frames.assignments.assign(
        cohort_id=frames.assignments["annotator_id"].map(cohort).fillna(-1).astype(np.int64),
        created_at=pd.to_datetime(frames.assignments["submitted_at"], utc=True),
    )[["item_id", "annotator_id", "cohort_id", "created_at"]]
    items = frames.items[["item_id", "is_gold"]]
    gold = frames.gold[frames.gold["item_id"].isin(items["item_id"])]
    return ReportFrames(
        items=items, gold=gold, annotations=frames.annotations, assignments=assignments
    )


def compute_report_shard(report_id: int, index: int) -> None:
    """Compute one shard's statistics (a finished shard is not computed twice)."""
    shard = ReportShard.objects.select_related("report").get(report_id=report_id, index=index)
    if shard.done:
        return
    report = shard.report
    params = report_params(report.project, report.params.get("window", "1D"))
    stats = compute_shard(shard_frames_from_db(report, shard), params)
    updated = ReportShard.objects.filter(pk=shard.pk, done=False).update(
        stats=stats.to_dict(), done=True
    )
    if updated and report.job_id:
        job_progress(
            report.job_id, done=ReportShard.objects.filter(report=report, done=True).count()
        )


def finalize_report(report_id: int) -> QualityReport:
    """Merge every shard's statistics exactly and store the finished report once."""
    report = QualityReport.objects.select_related("project").get(pk=report_id)
    if report.status in (ReportStatus.SUCCEEDED, ReportStatus.FAILED):
        return report
    if report.job_id:
        job_heartbeat(report.job_id)  # it may have waited behind other work since the last shard
    params = report_params(report.project, report.params.get("window", "1D"))
    shards = list(report.shards.all())
    try:
        if shards:
            missing = [s.index for s in shards if not s.done]
            if missing:
                raise RuntimeError(f"shards {missing} have not finished")
            stats = merge(ShardStats.from_dict(s.stats) for s in shards)
        else:
            stats = compute_shard(shard_frames_from_db(report, None), params)
        result = finalize(stats, params).to_dict()
        status, error = ReportStatus.SUCCEEDED, ""
    except (ReportInputError, ValueError, RuntimeError) as exc:
        result, status, error = None, ReportStatus.FAILED, str(exc)
    with transaction.atomic():
        if report.job_id and not job_lock_running(report.job_id):
            # cancelled while it computed: the report says so, and stores no result
            result, status, error = None, ReportStatus.FAILED, "the job was cancelled"
        QualityReport.objects.filter(pk=report.pk).exclude(
            status__in=[ReportStatus.SUCCEEDED]
        ).update(status=status, result=result, error=error, finished_at=timezone.now())
        ReportShard.objects.filter(report=report).update(
            stats=None
        )  # merged: the parts are not kept
        if report.job_id:
            job_finish(
                report.job_id,
                result={"report": report.pk},
                errors=[error] if error else None,
                failed=bool(error),
            )
    report.refresh_from_db()
    return report
