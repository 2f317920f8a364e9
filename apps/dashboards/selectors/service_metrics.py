"""Service-wide gauges for an operator's monitoring (Prometheus): work waiting and work stuck.

Every gauge is one aggregate query over indexed columns, so a scrape costs a few milliseconds
whatever the size of the projects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, Min, Q
from django.db.models.functions import Coalesce

from apps.jobs.models import Job, JobStatus
from apps.workflow.models import Alert, Assignment, AssignmentStatus, Review, ReviewStatus

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Gauge:
    name: str
    help: str
    samples: list[tuple[Labels, float]] = field(default_factory=list)


def _seconds_since(moment: datetime | None, now: datetime) -> float:
    return max(0.0, (now - moment).total_seconds()) if moment is not None else 0.0


def service_metrics(*, now: datetime) -> list[Gauge]:
    jobs = Gauge("labelqc_jobs", "Jobs by kind and status.")
    for row in Job.objects.values("kind", "status").annotate(n=Count("id")).order_by():
        jobs.samples.append(((("kind", row["kind"]), ("status", row["status"])), row["n"]))

    waiting = Gauge(
        "labelqc_job_oldest_pending_seconds",
        "Age of the oldest job no worker has started, by kind (a stalled queue grows it).",
    )
    silent = Gauge(
        "labelqc_job_longest_silent_running_seconds",
        "Longest time since a running job last reported progress, by kind.",
    )
    by_kind = (
        Job.objects.filter(status__in=(JobStatus.PENDING, JobStatus.RUNNING))
        .values("kind")
        .annotate(
            oldest_pending=Min("created_at", filter=Q(status=JobStatus.PENDING)),
            quietest=Min(
                Coalesce("heartbeat_at", "started_at", "created_at"),
                filter=Q(status=JobStatus.RUNNING),
            ),
        )
        .order_by()
    )
    for row in by_kind:
        labels = (("kind", row["kind"]),)
        waiting.samples.append((labels, _seconds_since(row["oldest_pending"], now)))
        silent.samples.append((labels, _seconds_since(row["quietest"], now)))

    assignments = Gauge("labelqc_assignments", "Annotation assignments by project and status.")
    for row in (
        Assignment.objects.filter(
            status__in=(AssignmentStatus.OPEN, AssignmentStatus.LEASED, AssignmentStatus.REWORK)
        )
        .values("project_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        labels = (("project", str(row["project_id"])), ("status", row["status"]))
        assignments.samples.append((labels, row["n"]))

    reviews = Gauge("labelqc_reviews_waiting", "Reviews not yet decided, by project and queue.")
    oldest_review = Gauge(
        "labelqc_review_oldest_waiting_seconds",
        "Age of the oldest undecided review, by project and queue.",
    )
    for row in (
        Review.objects.filter(status__in=(ReviewStatus.PENDING, ReviewStatus.LEASED))
        .values("project_id", "queue")
        .annotate(n=Count("id"), oldest=Min("created_at"))
        .order_by()
    ):
        labels = (("project", str(row["project_id"])), ("queue", row["queue"]))
        reviews.samples.append((labels, row["n"]))
        oldest_review.samples.append((labels, _seconds_since(row["oldest"], now)))

    alerts = Gauge("labelqc_alerts_open", "Unresolved alerts by project and kind.")
    last_alert = Gauge(
        "labelqc_alert_latest_timestamp_seconds",
        "Unix time of the newest unresolved alert, by project and kind.",
    )
    for row in (
        Alert.objects.filter(resolved_at__isnull=True)
        .values("project_id", "kind")
        .annotate(n=Count("id"), latest=Max("created_at"))
        .order_by()
    ):
        labels = (("project", str(row["project_id"])), ("kind", row["kind"]))
        alerts.samples.append((labels, row["n"]))
        last_alert.samples.append((labels, row["latest"].timestamp()))

    return [jobs, waiting, silent, assignments, reviews, oldest_review, alerts, last_alert]
