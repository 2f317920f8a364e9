"""The QA page's qualification table: with the project's gate on, every annotator with their
state and the mean of the gold items that decide their current attempt (the same numbers as
GET .../qualification/), and Pass / Retake / Fail buttons that post to the decision API."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator

import pytest
from django.utils import timezone

from apps.common.roles import Role
from apps.projects.models import Annotator, Project
from apps.workflow.models import Assignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def gated_demo(worked_demo) -> Iterator[Project]:
    """The shared demo with the gate on at 0.9 over 2 gold items; put back afterwards."""
    saved = (worked_demo.qualification_accuracy, worked_demo.honeypot_initial_count)
    Project.objects.filter(pk=worked_demo.pk).update(
        qualification_accuracy=0.9, honeypot_initial_count=2
    )
    try:
        yield Project.objects.get(pk=worked_demo.pk)
    finally:
        Project.objects.filter(pk=worked_demo.pk).update(
            qualification_accuracy=saved[0], honeypot_initial_count=saved[1]
        )
        Annotator.objects.filter(project=worked_demo).update(
            qualification="pending", qualification_attempt_from=None
        )


def expected_means(project: Project, since: dict[int, object]) -> dict[int, tuple[int, float]]:
    """Per annotator: (gold items counted, mean) over the first two scored after `since`."""
    out: dict[int, tuple[int, float]] = {}
    for member in Annotator.objects.filter(project=project, role=Role.ANNOTATOR):
        scored = Assignment.objects.filter(
            annotator=member, is_gold=True, gold_accuracy__isnull=False
        )
        if member.pk in since:
            scored = scored.filter(submitted_at__gt=since[member.pk])
        first = list(scored.order_by("submitted_at", "id").values_list("gold_accuracy", flat=True))
        if first[:2]:
            out[member.pk] = (len(first[:2]), sum(first[:2]) / len(first[:2]))
    return out


def test_the_table_shows_each_attempt_and_matches_the_api(gated_demo, login):
    members = Annotator.objects.filter(project=gated_demo, role=Role.ANNOTATOR)
    expected = expected_means(gated_demo, {})
    assert expected, "the demo has scored gold work"
    # One member was given a retake after all their work: nothing of the attempt is scored yet.
    retaken = next(iter(expected))
    Annotator.objects.filter(pk=retaken).update(qualification_attempt_from=timezone.now())
    expected.pop(retaken)

    client = login("qa")
    api = client.get(f"/api/projects/{gated_demo.pk}/qualification/").json()
    assert len(api) == members.count()
    by_id = {row["annotator"]: row for row in api}
    for member_id, (n, mean) in expected.items():
        assert by_id[member_id]["gold_scored"] == n
        assert by_id[member_id]["gold_accuracy"] == pytest.approx(mean)
    assert by_id[retaken]["gold_scored"] == 0 and by_id[retaken]["gold_accuracy"] is None
    assert by_id[retaken]["attempt_from"] is not None

    url = f"/projects/{gated_demo.pk}/qa/"
    table = client.get(f"{url}?format=csv&table=qualification").content.decode()
    rows = {r["pseudonym"]: r for r in csv.DictReader(io.StringIO(table))}
    assert len(rows) == members.count()
    for member in members:
        row = by_id[member.pk]
        shown = rows[member.pseudonym]
        assert shown["progress"] == f"{row['gold_scored']} / 2"
        assert shown["qualification"] == row["qualification"] == "pending"
        if row["gold_accuracy"] is not None:
            assert float(shown["gold_accuracy"]) == pytest.approx(row["gold_accuracy"])

    html = client.get(url).content.decode()
    body = re.search(r'data-table="qualification">(.*?)</table>', html, re.S).group(1)
    buttons = re.findall(r'data-row-action="([^"]+)" data-body="([^"]+)"', body)
    # Pending rows offer Pass and Fail (a retake of an attempt not yet decided means nothing).
    assert len(buttons) == 2 * members.count()
    decisions = {json.loads(b.replace("&quot;", '"'))["qualification"] for _, b in buttons}
    assert decisions == {"passed", "failed"}
    assert all(re.fullmatch(r"/api/annotators/\d+/qualification/", u) for u, _ in buttons)


def test_no_table_without_a_gate_and_annotators_cannot_read_progress(worked_demo, login):
    client = login("qa")
    assert (
        'data-table="qualification"'
        not in client.get(f"/projects/{worked_demo.pk}/qa/").content.decode()
    )
    assert client.get(f"/api/projects/{worked_demo.pk}/qualification/").json() == []
    annotator = Annotator.objects.filter(project=worked_demo, role=Role.ANNOTATOR).first()
    assert (
        login(annotator.user.username)
        .get(f"/api/projects/{worked_demo.pk}/qualification/")
        .status_code
        == 403
    )
