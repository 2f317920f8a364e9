"""The Celery app: two queues, `default` (analytics, imports, exports) and `gpu` (SAM 2 work).

Tasks are named `labelqc.<area>.<action>`; routing is by name so a task never needs to know its
queue. Without a broker (embedded mode) tasks run in-process and the log says so.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from celery import Celery, Task, signals, states, uuid
from celery.result import EagerResult
from kombu import Queue

from apps.common.request_ids import NONE, REQUEST_ID, TASK_HEADER

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "configs.settings")

logger = logging.getLogger("labelqc.celery")

GPU_TASK_PREFIXES = ("labelqc.prelabel.", "labelqc.gpu.")


def route_task(name: str, args, kwargs, options, task=None, **kw) -> dict[str, str]:
    if name.startswith(GPU_TASK_PREFIXES):
        return {"queue": "gpu"}
    return {"queue": "default"}


# LABELQC_INPROCESS_TASKS=thread (settings.py says what the modes are): without a broker,
# dispatched tasks run on this one background thread.
_background = threading.local()
_executor_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def _mark_background_thread() -> None:
    _background.active = True


def _forget_executor_after_fork() -> None:
    # A forked child (gunicorn with preload_app) inherits the executor object but not its thread:
    # work submitted to it would never run. The child starts its own on first use.
    global _executor, _executor_lock
    _executor, _executor_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_executor_after_fork)


def _background_executor() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            # One thread, like a worker with concurrency 1: SQLite takes one writer at a time.
            _executor = ThreadPoolExecutor(
                max_workers=1,
                thread_name_prefix="labelqc-task",
                initializer=_mark_background_thread,
            )
        return _executor


def _run_in_background(task: Task, args: Any, kwargs: Any, options: dict[str, Any]) -> None:
    from django.db import connections

    try:
        task.apply_async(args, kwargs, **options)
    except Exception:
        # A worker would log the failure and go on with the next message; so does this thread.
        logger.exception("in-process task %s (%s) failed", task.name, options.get("task_id"))
    finally:
        connections.close_all()


def run_on_task_thread(task: Task, args: Any, kwargs: Any, options: dict[str, Any]) -> Future[None]:
    """Queue the task on the background task thread (thread mode). The copied context carries
    the dispatching request's id along."""
    return _background_executor().submit(
        contextvars.copy_context().run, _run_in_background, task, args, kwargs, options
    )


class LabelqcTask(Task):
    """Celery's Task, with the in-process "thread" mode (LABELQC_INPROCESS_TASKS) added."""

    def apply_async(
        self,
        args: Any = None,
        kwargs: Any = None,
        task_id: str | None = None,
        producer: Any = None,
        link: Any = None,
        link_error: Any = None,
        shadow: Any = None,
        **options: Any,
    ) -> Any:
        if self.app.conf.task_always_eager and not getattr(_background, "active", False):
            from django.conf import settings

            if settings.LABELQC_INPROCESS_TASKS == "thread":
                task_id = task_id or uuid()
                options.update(task_id=task_id, link=link, link_error=link_error, shadow=shadow)
                run_on_task_thread(self, args, kwargs, options)
                return EagerResult(task_id, None, states.PENDING, name=self.name)
        return super().apply_async(
            args, kwargs, task_id, producer, link, link_error, shadow, **options
        )


@signals.setup_logging.connect
def _keep_django_logging(**kwargs: Any) -> None:
    """Workers log through settings.LOGGING (LOG_FORMAT, request ids) instead of Celery's own."""


@signals.before_task_publish.connect
def _send_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    if headers is not None and (request_id := REQUEST_ID.get()) != NONE:
        headers[TASK_HEADER] = request_id


@signals.task_prerun.connect
def _adopt_request_id(task: Task | None = None, **kwargs: Any) -> None:
    request_id = getattr(task.request, TASK_HEADER, None) if task is not None else None
    if request_id:
        REQUEST_ID.set(request_id)


@signals.task_postrun.connect
def _drop_request_id(task: Task | None = None, **kwargs: Any) -> None:
    if task is not None and getattr(task.request, TASK_HEADER, None):
        REQUEST_ID.set(NONE)


app = Celery("labelqc", task_cls=LabelqcTask)
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
    "resend-lost-jobs": {"task": "labelqc.jobs.resend", "schedule": 300.0},
    "sweep-job-files": {"task": "labelqc.interop.sweep_job_files", "schedule": 6 * 3600.0},
}
app.autodiscover_tasks()


def log_execution_mode() -> None:
    if app.conf.task_always_eager:
        from django.conf import settings

        where = (
            "on a background thread"
            if settings.LABELQC_INPROCESS_TASKS == "thread"
            else "inside the request that starts them"
        )
        logger.info("No Celery broker configured: tasks run in-process, %s.", where)
    else:
        logger.info("Celery broker: %s", app.conf.broker_url)


class InProcessBeat(threading.Thread):
    """Thread mode has no `celery beat` process: this thread sends the beat schedule's tasks
    (SLA checks, lost-job re-sends, job-file sweeps) once at start and then every interval, onto
    the background task thread, so the embedded default raises SLA alerts as a deployment does."""

    def __init__(self, schedule: dict[str, dict[str, Any]], stop: threading.Event) -> None:
        super().__init__(name="labelqc-beat", daemon=True)
        self.entries = [(entry["task"], float(entry["schedule"])) for entry in schedule.values()]
        self.stop = stop
        self.queued: dict[str, Future[None]] = {}
        self.sent: dict[str, int] = {task: 0 for task, _ in self.entries}

    def run(self) -> None:
        if not self.entries:
            return
        now = time.monotonic()
        due = {task: now for task, _ in self.entries}
        intervals = dict(self.entries)
        while not self.stop.is_set():
            now = time.monotonic()
            for task, when in due.items():
                if when <= now:
                    due[task] = now + intervals[task]
                    self.send(task)
            self.stop.wait(max(0.0, min(due.values()) - time.monotonic()))

    def send(self, task_name: str) -> None:
        """Queue the task on the task thread, unless its last run has not started yet (a long
        job holds the thread): a pile of identical checks would only run back to back."""
        waiting = self.queued.get(task_name)
        if waiting is not None and not waiting.running() and not waiting.done():
            return
        try:
            self.queued[task_name] = run_on_task_thread(
                app.tasks[task_name], (), {}, {"task_id": uuid()}
            )
            self.sent[task_name] += 1
        except Exception:
            logger.exception("in-process beat could not send %s", task_name)


def start_in_process_beat(stop: threading.Event | None = None) -> InProcessBeat | None:
    """Starts InProcessBeat in thread mode (LABELQC_INPROCESS_TASKS=thread); None otherwise."""
    from django.conf import settings

    if not app.conf.task_always_eager or settings.LABELQC_INPROCESS_TASKS != "thread":
        return None
    app.loader.import_default_modules()  # autodiscovery is lazy: register the tasks now
    unknown = [e["task"] for e in app.conf.beat_schedule.values() if e["task"] not in app.tasks]
    if unknown:
        raise RuntimeError(f"beat schedule names tasks nobody registered: {unknown}")
    beat = InProcessBeat(app.conf.beat_schedule, stop or threading.Event())
    beat.start()
    logger.info("In-process beat: %s", ", ".join(sorted(app.conf.beat_schedule)))
    return beat


def resend_jobs_lost_with_the_last_server() -> None:
    """Thread mode keeps its queue in memory: pending jobs found at start-up were queued by a
    server that died before running them, and running ones claimed by a process that is gone
    died with it; both are sent again (their claim makes a duplicate message harmless)."""
    from django.conf import settings
    from django.db import DatabaseError

    if not app.conf.task_always_eager or settings.LABELQC_INPROCESS_TASKS != "thread":
        return
    from apps.jobs.dispatch import jobs_release_interrupted_here, jobs_resend

    try:
        jobs_release_interrupted_here()
        jobs_resend(all_pending=True)
    except DatabaseError as exc:  # e.g. a database not migrated yet
        logger.warning("could not look for jobs to re-send: %s", exc)
