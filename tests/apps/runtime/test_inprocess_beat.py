"""The in-process beat (thread mode) starts only in thread mode and refuses unknown task names."""

from __future__ import annotations

import threading

import pytest

from configs.celery import app, start_in_process_beat


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
