"""Sending a job's message to its task, and sending it again when the message may be lost.

Each kind of job registers how its task is called (in its app's ``ready``); services send a new
job on commit through ``job_send_on_commit``. ``jobs_resend`` (a beat task every few minutes: by
``celery beat`` with a broker, by the server's in-process beat in the ``thread`` mode, and once at
start-up there) sends again

- a pending job: the broker was unreachable when it was started, or the in-process queue died
  with its server. A job still waiting behind a long queue gets a duplicate message instead,
  which its claim turns into a no-op; the wait before each re-send doubles, so there are few.
- a running job silent for STALE_AFTER (no claim or progress report): its run died (the task
  time limit is shorter) and the broker's redelivery, if any, found the job still alive and did
  nothing.

At start-up in ``thread`` mode, a running job whose claiming process on this host is gone is put
back to pending first (``jobs_release_interrupted_here``), so it need not wait for STALE_AFTER.

Only jobs that were sent at least once are re-sent: a job a management command runs itself is
never sent and must not land on a worker.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.apps import apps as django_apps
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from apps.jobs.models import Job, JobStatus
from apps.jobs.services import claimable, this_process

logger = logging.getLogger(__name__)

Sender = Callable[[Job], None]

RESEND_AFTER = timedelta(minutes=15)
# 15 min, 30, 1 h, ... at most 16 h between re-sends of one job.
MAX_BACKOFF_DOUBLINGS = 6

_senders: dict[str, Sender] = {}


def register_sender(kind: str, sender: Sender) -> None:
    if _senders.get(kind, sender) != sender:
        raise ValueError(f"job kind {kind!r} already has a sender")
    _senders[kind] = sender


@dataclass(frozen=True)
class TaskSender:
    """Sends the job to the task at ``task_path``, with the job's id or, given ``row_model``, the
    id of the row (report, run) that the job belongs to."""

    task_path: str
    row_model: str | None = None

    def __call__(self, job: Job) -> None:
        task = import_string(self.task_path)
        if self.row_model is None:
            task.delay(job.pk)
            return
        rows = django_apps.get_model(self.row_model).objects
        task.delay(rows.values_list("pk", flat=True).get(job=job))


def registered_senders() -> dict[str, Sender]:
    return dict(_senders)


def _sender_of(kind: str) -> Sender:
    try:
        return _senders[kind]
    except KeyError:
        raise LookupError(f"no sender registered for job kind {kind!r}") from None


def job_send(job: Job) -> None:
    sender = _sender_of(job.kind)
    # Recorded first: a send that fails is then re-sent after RESEND_AFTER.
    Job.objects.filter(pk=job.pk).update(sent_at=timezone.now(), sends=F("sends") + 1)
    sender(job)


def job_send_on_commit(job: Job) -> None:
    _sender_of(job.kind)  # an unknown kind fails the request now, not after commit
    transaction.on_commit(partial(job_send, job))


def _next_send(job: Job) -> datetime:
    last = job.sent_at or job.created_at
    return last + RESEND_AFTER * 2 ** min(max(job.sends - 1, 0), MAX_BACKOFF_DOUBLINGS)


def jobs_due_for_resend(*, now: datetime | None = None, all_pending: bool = False) -> list[Job]:
    """Sent jobs whose message may be lost, oldest first (``all_pending``: every pending one)."""
    now = now or timezone.now()
    candidates = Job.objects.filter(claimable(now), sends__gt=0).order_by("pk")
    candidates = candidates.only("kind", "status", "created_at", "sent_at", "sends")
    return [
        job
        for job in candidates
        if (all_pending and job.status == JobStatus.PENDING) or _next_send(job) <= now
    ]


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def jobs_release_interrupted_here() -> list[int]:
    """Running jobs whose claiming process on this host is gone go back to pending, to be sent
    again at once. Only for the embedded ``thread`` mode at start-up: there, the process that
    ran a job is the server, and a new server means the old one died."""
    on_this_host = this_process().rpartition(":")[0] + ":"
    running = Job.objects.filter(
        status=JobStatus.RUNNING, sends__gt=0, claimed_by__startswith=on_this_host
    )
    released = []
    for pk, owner in running.values_list("pk", "claimed_by"):
        pid = owner.removeprefix(on_this_host)
        if not pid.isdigit() or _process_alive(int(pid)):
            continue
        interrupted = Job.objects.filter(pk=pk, status=JobStatus.RUNNING, claimed_by=owner)
        if interrupted.update(status=JobStatus.PENDING):
            logger.warning("job %s was running in process %s, which is gone", pk, owner)
            released.append(pk)
    return released


def jobs_resend(*, now: datetime | None = None, all_pending: bool = False) -> list[int]:
    """Send the due jobs again; one that cannot be sent is logged and left for the next sweep."""
    sent = []
    for job in jobs_due_for_resend(now=now, all_pending=all_pending):
        try:
            job_send(job)
        except Exception:
            logger.exception("could not re-send job %s (%s)", job.pk, job.kind)
            continue
        logger.warning(
            "re-sent job %s (%s, %s): its message may be lost", job.pk, job.kind, job.status
        )
        sent.append(job.pk)
    return sent
