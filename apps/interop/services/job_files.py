"""Deleting import and export files once nobody needs them (MEDIA_ROOT/jobs/<id>/).

An import's uploaded file (up to LABELQC_MAX_IMPORT_BYTES) is needed only while its job runs,
and an export is downloaded soon after it is written; kept forever they fill the disk. Beat runs
the sweep every few hours: a folder goes when its job is gone (project deleted), was cancelled,
or finished more than LABELQC_JOB_FILE_RETENTION_DAYS ago; a pending or running job's folder
stays. A swept export's download answers 404 "no longer there".
"""

from __future__ import annotations

import logging
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q

from apps.jobs.models import FINISHED, Job, JobStatus

logger = logging.getLogger("labelqc.interop")


def job_files_sweep(*, now: datetime) -> list[int]:
    """Delete the job folders nobody needs any more; returns their job ids."""
    root = Path(settings.MEDIA_ROOT) / "jobs"
    if not root.is_dir():
        return []
    folders = {int(p.name): p for p in root.iterdir() if p.is_dir() and p.name.isdigit()}
    if not folders:
        return []
    kept_until = now - timedelta(days=settings.LABELQC_JOB_FILE_RETENTION_DAYS)
    needed = set(
        Job.objects.filter(pk__in=folders)
        .exclude(Q(status=JobStatus.CANCELLED) | Q(status__in=FINISHED, finished_at__lt=kept_until))
        .values_list("pk", flat=True)
    )
    swept = sorted(set(folders) - needed)
    for job_id in swept:
        shutil.rmtree(folders[job_id], ignore_errors=True)
    if swept:
        logger.info("deleted the files of %d finished, cancelled or deleted jobs", len(swept))
    return swept
