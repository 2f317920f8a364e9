"""Thin Celery tasks for active-learning rounds, each claiming its job row first.

`labelqc.active.run_round` runs on the `default` queue (image_stats features);
`labelqc.gpu.active_round` on the `gpu` queue, for rounds that must compute SAM 2 embeddings.
Only transient storage errors (OSError) retry.
"""

from __future__ import annotations

from celery import shared_task

from apps.active.services import round_run
from apps.prelabel.tasks import RETRIES, run_retrying


@shared_task(name="labelqc.active.run_round", bind=True, acks_late=True, max_retries=RETRIES)
def run_round_default(self, job_id: int) -> None:
    run_retrying(self, round_run, job_id)


@shared_task(name="labelqc.gpu.active_round", bind=True, acks_late=True, max_retries=RETRIES)
def run_round_gpu(self, job_id: int) -> None:
    run_retrying(self, round_run, job_id)
