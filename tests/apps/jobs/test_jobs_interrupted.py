"""A restarted embedded server takes back the running jobs whose process on this host is gone,
and only those: a live process, another host's worker or a job nobody sent keeps its claim."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from django.utils import timezone

from apps.jobs.dispatch import jobs_release_interrupted_here
from apps.jobs.models import Job
from apps.jobs.services import job_claim, job_create, this_process

pytestmark = pytest.mark.django_db


def gone_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def running(owner: str, *, sends: int = 1) -> Job:
    return Job.objects.create(
        kind="annotations.import",
        status="running",
        started_at=timezone.now(),
        claimed_by=owner,
        sends=sends,
        sent_at=timezone.now() if sends else None,
    )


def test_a_claim_records_the_process_that_holds_it() -> None:
    job = job_create(kind="annotations.import", project_id=None, actor=None)
    claimed = job_claim(job.pk)
    assert claimed is not None and claimed.claimed_by == this_process()
    assert this_process() == f"{socket.gethostname()}:{os.getpid()}"


def test_only_jobs_of_a_gone_process_on_this_host_go_back_to_pending() -> None:
    host = socket.gethostname()
    dead = f"{host}:{gone_pid()}"
    interrupted = running(dead)
    alive = running(this_process())
    elsewhere = running(f"another-{host}:{gone_pid()}")
    never_sent = running(dead, sends=0)
    unknown = running("")

    assert jobs_release_interrupted_here() == [interrupted.pk]
    statuses = dict(Job.objects.values_list("pk", "status"))
    assert statuses[interrupted.pk] == "pending"
    assert {statuses[j.pk] for j in (alive, elsewhere, never_sent, unknown)} == {"running"}
    assert jobs_release_interrupted_here() == []  # done once
    # Back to pending, the job is claimable again at once, by this process.
    assert job_claim(interrupted.pk).claimed_by == this_process()
