"""Project lead page data: SLA compliance, overdue reviews and alerts, throughput and backlog,
correction effort, and jobs with their progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from django.db.models import Count, QuerySet

from apps.analytics.draft_quality import draft_quality_rows
from apps.annotations.models import Annotation
from apps.dashboards import figures
from apps.dashboards.cache import cached
from apps.dashboards.filters import PageFilters
from apps.dashboards.selectors.model_work import model_work_section
from apps.dashboards.selectors.names import ProjectNames, project_names
from apps.dashboards.tables import Column, PageData, RowAction, Table
from apps.jobs.models import FINISHED, Job
from apps.projects.models import Project
from apps.workflow.models import Alert, Assignment, CorrectionEffort, EffortBucket, Review
from apps.workflow.services.compliance import class_sla_compliance
from apps.workflow.services.sla import overdue_reviews

CHECKS = (
    ("iou", "median IoU", "median_iou", "iou_threshold", ">="),
    ("iaa", "IAA", "iaa", "iaa_floor", ">="),
    ("missing_rate", "missing rate", "missing_rate", "missing_rate_ceiling", "<="),
    ("turnaround", "turnaround p90 (h)", "turnaround_hours_p90", "turnaround_hours", "<="),
)
JOB_ROWS = 50


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def compliance_section(page: PageData, project: Project, filters: PageFilters) -> None:
    result = cached("compliance", project, "", lambda: class_sla_compliance(project_id=project.pk))
    rows = [
        r for r in result["classes"] if not filters.class_id or r["label_class"] == filters.class_id
    ]
    table_rows, cells, hover = [], [], []
    for row in rows:
        record: dict[str, Any] = {
            "class": row["class_name"],
            "window_days": row["window_days"],
            "breaches": ", ".join(row["breaches"]) or "none",
        }
        line, texts = [], []
        for key, _, observed, target, _sign in CHECKS:
            record[observed] = row["observed"][observed]
            record[target] = row["targets"][target]
            line.append(row["compliant"][key])
            texts.append(f"{_fmt(row['observed'][observed])} vs {_fmt(row['targets'][target])}")
        table_rows.append(record)
        cells.append(line)
        hover.append(texts)
    page.figures["compliance"] = figures.compliance(
        [r["class_name"] for r in rows], [c[1] for c in CHECKS], cells, hover
    )
    columns = [Column("class", "class"), Column("window_days", "window (days)", "int")]
    for _, label, observed, target, sign in CHECKS:
        columns += [Column(observed, label, "number"), Column(target, f"target ({sign})", "number")]
    page.add(
        Table(
            "compliance",
            "SLA compliance by class",
            [*columns, Column("breaches", "breaches")],
            table_rows,
            empty="No class SLAs set.",
        )
    )


def alerts_section(page: PageData, project_id: int) -> None:
    overdue = [
        {
            "review": r.pk,
            "queue": r.queue,
            "item": r.assignment.item_id,
            "status": r.status,
            "created_at": r.created_at,
            "due_at": r.due_at,
        }
        for r in overdue_reviews(project_id=project_id)[:200]
    ]
    page.add(
        Table(
            "overdue",
            "Overdue reviews",
            [
                Column("review", "review", "int"),
                Column("queue", "queue"),
                Column("item", "item", "int"),
                Column("status", "status"),
                Column("created_at", "created", "date"),
                Column("due_at", "due", "date"),
            ],
            overdue,
            empty="Nothing overdue.",
        )
    )
    alerts = list(
        Alert.objects.filter(project_id=project_id, resolved_at__isnull=True)[:200].values(
            "id", "kind", "message", "webhook_status", "created_at"
        )
    )
    page.add(
        Table(
            "alerts",
            "Open alerts",
            [
                Column("id", "alert", "int"),
                Column("kind", "kind"),
                Column("message", "message"),
                Column("webhook_status", "webhook"),
                Column("created_at", "raised", "date"),
            ],
            alerts,
            empty="No open alerts.",
            actions=(RowAction("Resolve", "/api/alerts/{id}/resolve/", "resolved"),),
        )
    )


def _scoped(query: QuerySet, filters: PageFilters, assignment: str) -> QuerySet:
    if filters.cohort_id:
        query = query.filter(**{f"{assignment}annotator__cohort_id": filters.cohort_id})
    if filters.class_id:
        items = Annotation.objects.filter(label_class_id=filters.class_id).values("item_id")
        query = query.filter(**{f"{assignment}item_id__in": items})
    return query


DAILY_UP_TO_DAYS = 120  # longer spans are shown per week (Monday-based)


def _bucket(stamps: pd.Series, weekly: bool) -> pd.Series:
    days = pd.to_datetime(stamps, utc=True).dt.floor("D")
    return days - pd.to_timedelta(days.dt.dayofweek, unit="D") if weekly else days


def _daily(values: pd.Series, days: pd.DatetimeIndex, weekly: bool) -> pd.Series:
    return _bucket(values.dropna(), weekly).value_counts().reindex(days, fill_value=0).sort_index()


def _window(days: pd.DatetimeIndex, since: datetime | None, until: datetime | None):
    keep = pd.Series(True, index=days)
    if since:
        keep &= days >= pd.Timestamp(since)
    if until:
        keep &= days < pd.Timestamp(until)
    return keep.to_numpy()


def throughput_section(page: PageData, project_id: int, filters: PageFilters) -> None:
    """Per day: submissions and decisions; at the end of each day: open reviews and work."""
    assignments = pd.DataFrame(
        list(
            _scoped(
                Assignment.objects.filter(project_id=project_id, leased_at__isnull=False),
                filters,
                "",
            ).values_list("leased_at", "submitted_at")
        ),
        columns=["leased", "submitted"],
    )
    reviews = pd.DataFrame(
        list(
            _scoped(
                Review.objects.filter(project_id=project_id), filters, "assignment__"
            ).values_list("created_at", "decided_at")
        ),
        columns=["created", "decided"],
    )
    for frame in (assignments, reviews):
        for column in frame:
            frame[column] = pd.to_datetime(frame[column], utc=True)
    # A row never closes before it opens (seeded or imported rows may say otherwise).
    assignments["leased"] = assignments["leased"].where(
        assignments["submitted"].isna() | (assignments["leased"] <= assignments["submitted"]),
        assignments["submitted"],
    )
    reviews["created"] = reviews["created"].where(
        reviews["decided"].isna() | (reviews["created"] <= reviews["decided"]), reviews["decided"]
    )
    stamps = pd.concat([assignments[c] for c in assignments] + [reviews[c] for c in reviews])
    stamps = stamps.dropna()
    if stamps.empty:
        page.figures["throughput"] = figures.throughput([], [], [], [], [])
        page.add(Table("throughput", "Throughput per day", [], [], empty="No work recorded."))
        return
    weekly = (stamps.max() - stamps.min()).days > DAILY_UP_TO_DAYS
    bounds = _bucket(pd.Series([stamps.min(), stamps.max()]), weekly)
    days = pd.date_range(bounds.iloc[0], bounds.iloc[1], freq="7D" if weekly else "D")
    submitted = _daily(assignments["submitted"], days, weekly)
    decided = _daily(reviews["decided"], days, weekly)
    backlog = _daily(reviews["created"], days, weekly).cumsum() - decided.cumsum()
    in_progress = _daily(assignments["leased"], days, weekly).cumsum() - submitted.cumsum()
    keep = _window(days, filters.since, filters.until)
    labels = [d.date().isoformat() for d in days[keep]]
    series = [s[keep].astype(int).tolist() for s in (submitted, decided, backlog, in_progress)]
    unit = "week" if weekly else "day"
    page.figures["throughput"] = figures.throughput(labels, *series, unit=unit)
    rows = [
        {"day": day, "submitted": a, "decided": b, "backlog": c, "in_progress": d}
        for day, a, b, c, d in zip(labels, *series, strict=True)
    ]
    page.add(
        Table(
            "throughput",
            f"Throughput per {unit}",
            [
                Column("day", "week of" if weekly else "day"),
                Column("submitted", "submitted", "int"),
                Column("decided", "reviews decided", "int"),
                Column("backlog", "review backlog", "int"),
                Column("in_progress", "assignments in progress", "int"),
            ],
            rows,
        )
    )


def effort_section(
    page: PageData, project_id: int, filters: PageFilters, names: ProjectNames
) -> None:
    query = _scoped(CorrectionEffort.objects.filter(project_id=project_id), filters, "assignment__")
    if filters.since:
        query = query.filter(created_at__gte=filters.since)
    if filters.until:
        query = query.filter(created_at__lt=filters.until)
    if filters.class_id:
        query = query.filter(label_class_id=filters.class_id)
    counts = list(query.values("label_class_id", "bucket").annotate(n=Count("id")))
    classes = sorted({c["label_class_id"] for c in counts})
    per = {(c["label_class_id"], c["bucket"]): c["n"] for c in counts}
    buckets = [b.value for b in EffortBucket]
    page.figures["effort"] = figures.effort_mix(
        [names.class_name(c) for c in classes],
        {b: [per.get((c, b), 0) for c in classes] for b in buckets},
    )
    rows = []
    for c in classes:
        total = sum(per.get((c, b), 0) for b in buckets)
        rows.append(
            {
                "class": names.class_name(c),
                "total": total,
                **{b: per.get((c, b), 0) for b in buckets},
                **{f"{b}_share": per.get((c, b), 0) / total for b in buckets},
            }
        )
    page.add(
        Table(
            "effort",
            "Correction effort on pre-labels",
            [
                Column("class", "class"),
                Column("total", "pre-labels", "int"),
                *[Column(b, b.replace("_", " "), "int") for b in buckets],
                *[Column(f"{b}_share", f"{b.replace('_', ' ')} share", "percent") for b in buckets],
            ],
            rows,
            empty="No pre-label was corrected in this window.",
        )
    )


def draft_quality_section(page: PageData, project_id: int, filters: PageFilters) -> None:
    rows = draft_quality_rows(
        project_id=project_id,
        since=filters.since,
        until=filters.until,
        cohort_id=filters.cohort_id,
        class_id=filters.class_id,
    )
    page.add(
        Table(
            "draft_quality",
            "Drafts by model version",
            [
                Column("model_id", "model"),
                Column("class_name", "class"),
                Column("drafts", "drafts", "int"),
                Column("precision", "precision", "percent"),
                Column("recall", "recall", "percent"),
                Column("approved_as_is_share", "approved as is", "percent"),
                Column("mean_iou", "mean IoU kept", "number"),
                Column("kept", "kept", "int"),
                Column("deleted", "deleted", "int"),
                Column("added", "added by annotators", "int"),
                Column("relabeled", "relabeled", "int"),
                Column("redrawn", "redrawn", "int"),
            ],
            rows,
            note="Judged by what annotators kept: precision = drafts kept in some form / drafts; "
            "recall = kept drafts / (kept drafts + shapes annotators added where no draft was).",
            empty="No submission over drafts in this window.",
        )
    )


def jobs_section(page: PageData, project_id: int, filters: PageFilters) -> None:
    query = Job.objects.filter(project_id=project_id)
    if filters.since:
        query = query.filter(created_at__gte=filters.since)
    if filters.until:
        query = query.filter(created_at__lt=filters.until)
    rows = [
        {
            "id": j.pk,
            "kind": j.kind,
            "status": j.status,
            "backend": j.backend,
            "progress_done": j.progress_done,
            "progress_total": j.progress_total,
            "created_at": j.created_at,
            "finished_at": j.finished_at,
            "errors": len(j.errors or []),
            "running": j.status not in FINISHED,
        }
        for j in query.order_by("-id")[:JOB_ROWS]
    ]
    page.add(
        Table(
            "jobs",
            "Jobs",
            [
                Column("id", "job", "int"),
                Column("kind", "kind"),
                Column("status", "status"),
                Column("backend", "backend"),
                Column("progress_done", "done", "int"),
                Column("progress_total", "of", "int"),
                Column("errors", "errors", "int"),
                Column("created_at", "started", "date"),
                Column("finished_at", "finished", "date"),
            ],
            rows,
            empty="No jobs in this window.",
        )
    )


def lead_page(project: Project, filters: PageFilters) -> PageData:
    page = PageData()
    names = project_names(project.pk)
    compliance_section(page, project, filters)
    alerts_section(page, project.pk)
    throughput_section(page, project.pk, filters)
    effort_section(page, project.pk, filters, names)
    draft_quality_section(page, project.pk, filters)
    jobs_section(page, project.pk, filters)
    model_work_section(page, project.pk)
    return page
