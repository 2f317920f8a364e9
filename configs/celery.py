"""The Celery app: two queues, `default` (analytics, imports, exports) and `gpu` (SAM 2 work).

Tasks are named `labelqc.<area>.<action>`; routing is by name so a task never needs to know its
queue. Without a broker (embedded mode) tasks run in-process and the log says so.
"""

from __future__ import annotations

import logging
import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "configs.settings")

logger = logging.getLogger("labelqc.celery")

GPU_TASK_PREFIXES = ("labelqc.prelabel.", "labelqc.gpu.")


def route_task(name: str, args, kwargs, options, task=None, **kw) -> dict[str, str]:
    if name.startswith(GPU_TASK_PREFIXES):
        return {"queue": "gpu"}
    return {"queue": "default"}


app = Celery("labelqc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_queues=(Queue("default"), Queue("gpu")),
    task_default_queue="default",
    task_routes=(route_task,),
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    # acks_late goes with a claim step in every task, so a redelivered message is harmless.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_time_limit=60 * 60,
    task_soft_time_limit=55 * 60,
    broker_connection_retry_on_startup=True,
    result_expires=24 * 3600,
)
app.conf.beat_schedule = {
    "check-slas": {"task": "labelqc.workflow.check_slas", "schedule": 300.0},
}
app.autodiscover_tasks()


def log_execution_mode() -> None:
    if app.conf.task_always_eager:
        logger.info("No Celery broker configured: tasks run in-process (eager mode).")
    else:
        logger.info("Celery broker: %s", app.conf.broker_url)
