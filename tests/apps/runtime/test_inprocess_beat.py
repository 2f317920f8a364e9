"""The in-process beat (thread mode): starts only in thread mode, refuses unknown task names, does
not pile up checks behind a long job, and a forked server process gets its own task thread."""

from __future__ import annotations

import threading
import time

import pytest

from configs.celery import InProcessBeat, _background_executor, app, start_in_process_beat
from tests.apps.runtime.embedded_python import run_python


def test_inline_mode_starts_no_beat(settings) -> None:
    settings.LABELQC_INPROCESS_TASKS = "inline"
    assert start_in_process_beat() is None


def test_a_schedule_naming_an_unknown_task_stops_start_up(settings, monkeypatch) -> None:
    settings.LABELQC_INPROCESS_TASKS = "thread"
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(
        app.conf, "beat_schedule", {"typo": {"task": "labelqc.workflow.check_sla", "schedule": 1}}
    )
    with pytest.raises(RuntimeError, match=r"labelqc\.workflow\.check_sla'"):
        start_in_process_beat(threading.Event())


ticks: list[float] = []


@app.task(name="labelqc.tests.beat_tick")
def beat_tick() -> None:
    ticks.append(time.monotonic())


def test_a_check_still_waiting_behind_a_long_job_is_not_queued_again() -> None:
    ticks.clear()
    gate = threading.Event()
    long_job = _background_executor().submit(gate.wait, 30)
    stop = threading.Event()
    beat = InProcessBeat({"tick": {"task": "labelqc.tests.beat_tick", "schedule": 0.02}}, stop)
    beat.start()
    try:
        time.sleep(0.4)  # about 20 intervals while the long job holds the task thread
        assert beat.sent["labelqc.tests.beat_tick"] == 1
        gate.set()
        long_job.result(5)
        deadline = time.monotonic() + 10
        while len(ticks) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(ticks) >= 3  # once the thread is free, the schedule goes on
    finally:
        gate.set()
        stop.set()
        beat.join(5)


def test_an_empty_schedule_ends_the_beat_quietly() -> None:
    beat = InProcessBeat({}, threading.Event())
    beat.start()
    beat.join(2)
    assert not beat.is_alive()


FORK_SCRIPT = r"""
import os
import django
django.setup()
from configs.celery import _background_executor

_background_executor().submit(lambda: None).result(5)  # the parent's task thread exists
read, write = os.pipe()
pid = os.fork()
if pid == 0:  # like a gunicorn worker forked from a preloaded master
    try:
        os.write(write, _background_executor().submit(lambda: b"ran").result(10))
    finally:
        os._exit(0)
os.waitpid(pid, 0)
print(os.read(read, 3).decode())
"""


def test_a_forked_child_runs_tasks_on_its_own_thread() -> None:
    done = run_python(FORK_SCRIPT, timeout=60, DJANGO_SETTINGS_MODULE="configs.settings")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ran"
