"""A fault-flag episode that has ended (the signal stopped while its annotator kept working)
has its alert resolved by the run that sees it ended; ongoing episodes stay open, and an
episode that starts again later is a new alert."""

from __future__ import annotations

import pytest

from apps.analytics.flags import ALERT_KIND, record_alerts
from apps.analytics.models import FaultFlagRun
from apps.workflow.models import Alert

pytestmark = pytest.mark.django_db


def episode(start_assignment: int, ongoing: bool) -> dict:
    return {
        "signal": "gold_accuracy",
        "start_seq": start_assignment,
        "end_seq": start_assignment + 5,
        "start_at": "2026-11-01T10:00:00+00:00",
        "end_at": "2026-11-01T12:00:00+00:00",
        "ongoing": ongoing,
        "start_assignment": start_assignment,
        "start_item": 1,
        "value": 0.5,
        "bound": 0.8,
        "detail": "gold accuracy 0.50 < 0.80",
    }


def flagged(*episodes: dict) -> list[dict]:
    return [{"annotator_id": 7, "pseudonym": "A7", "episodes": list(episodes)}]


def test_a_run_resolves_the_alerts_of_episodes_that_ended(project):
    first = FaultFlagRun.objects.create(project=project)
    assert record_alerts(first, flagged(episode(10, ongoing=True)), None) == {
        "created": 1,
        "existing": 0,
        "resolved": 0,
    }
    alert = Alert.objects.get(project=project, kind=ALERT_KIND)
    assert alert.resolved_at is None

    # Later the annotator recovered, then slipped again from assignment 40 on.
    later = FaultFlagRun.objects.create(project=project)
    counts = record_alerts(
        later, flagged(episode(10, ongoing=False), episode(40, ongoing=True)), None
    )
    assert counts == {"created": 1, "existing": 1, "resolved": 1}
    alert.refresh_from_db()
    assert alert.resolved_at is not None and alert.resolved_by is None
    assert alert.resolution == f"the episode ended (fault-flag run {later.pk})"
    still_open = Alert.objects.get(project=project, resolved_at__isnull=True)
    assert still_open.key.endswith(":assignment:40")

    # Seen ended again: nothing more to resolve, and the resolution stands.
    again = FaultFlagRun.objects.create(project=project)
    assert record_alerts(again, flagged(episode(10, ongoing=False)), None)["resolved"] == 0
    alert.refresh_from_db()
    assert alert.resolution.endswith(f"run {later.pk})")


def test_a_run_with_unsaved_rule_overrides_neither_raises_nor_resolves(project):
    FaultFlagRun.objects.create(project=project)
    record_alerts(FaultFlagRun.objects.get(), flagged(episode(10, ongoing=True)), None)
    what_if = FaultFlagRun.objects.create(
        project=project, params={"overrides": {"gold_accuracy": {"bound": 0.5}}}
    )
    counts = record_alerts(what_if, flagged(episode(10, ongoing=False), episode(40, True)), None)
    assert counts == {"created": 0, "existing": 0, "resolved": 0, "what_if": True}
    alert = Alert.objects.get(project=project)
    assert alert.resolved_at is None and alert.key.endswith(":assignment:10")


def test_overrides_equal_to_the_saved_rules_are_not_a_what_if(project):
    project.settings = {"fault_rules": {"gold_accuracy": {"target": 0.8}}}
    project.save(update_fields=["settings"])
    run = FaultFlagRun.objects.create(
        project=project, params={"overrides": {"gold_accuracy": {"target": 0.8}}}
    )
    assert record_alerts(run, flagged(episode(10, ongoing=True)), None)["created"] == 1
