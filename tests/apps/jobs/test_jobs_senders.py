"""Every job kind the service starts has a sender whose task and row model exist, and the beat
sweeps lost jobs."""

from __future__ import annotations

import pytest
from celery import Task
from django.apps import apps as django_apps
from django.utils.module_loading import import_string

from apps.active.services import round_send
from apps.jobs.dispatch import TaskSender, registered_senders
from configs.celery import app as celery_app

STARTED_KINDS = {
    "interop.import",
    "interop.export",
    "active.round",
    "costs.report",
    "annotations.import",
    "prelabel.images",
    "prelabel.video",
    "intake.screen",
    "analytics.quality_report",
    "analytics.consensus",
    "analytics.fault_flags",
}


def test_every_kind_of_job_has_a_sender() -> None:
    assert set(registered_senders()) >= STARTED_KINDS


@pytest.mark.parametrize("kind", sorted(STARTED_KINDS))
def test_a_sender_names_a_real_task_and_row_model(kind: str) -> None:
    sender = registered_senders()[kind]
    if kind == "active.round":
        # Rounds pick their queue per round; tests/apps/active covers which task each gets.
        assert sender is round_send
        return
    assert isinstance(sender, TaskSender)
    task = import_string(sender.task_path)
    assert isinstance(task, Task)
    assert task.name in celery_app.tasks
    if sender.row_model is not None:
        model = django_apps.get_model(sender.row_model)
        assert model._meta.get_field("job").related_model._meta.label == "jobs.Job"


def test_beat_sweeps_lost_jobs() -> None:
    import apps.jobs.tasks  # noqa: F401  (a worker's autodiscovery imports it)

    entry = celery_app.conf.beat_schedule["resend-lost-jobs"]
    assert entry["task"] == "labelqc.jobs.resend" and entry["task"] in celery_app.tasks
    assert entry["schedule"] <= 600
