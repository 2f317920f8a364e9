"""Test data for the pages: the small demo project plus two job rows for the jobs table.

The demo seed itself leaves reviews open (some routed to "senior_review" by its escalation
rule), imports a detector's drafts with their correction effort and sets SLAs; the pages' tests
only add a finished pre-labeling job and a running active-learning round, so that the jobs table
shows both states.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.jobs.models import Job, JobStatus
from apps.projects.models import Project


@transaction.atomic
def backfill_workflow(project: Project) -> None:
    now = timezone.now()
    Job.objects.create(
        project=project,
        kind="prelabel.sam2",
        status=JobStatus.SUCCEEDED,
        backend="grabcut",
        progress_done=12,
        progress_total=12,
        started_at=now,
        finished_at=now,
    )
    Job.objects.create(
        project=project,
        kind="active.round",
        status=JobStatus.RUNNING,
        progress_done=3,
        progress_total=10,
        started_at=now,
        heartbeat_at=now,
    )
