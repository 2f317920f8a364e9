"""The work log built from workflow rows: decisions, class mix, vendors, time spent."""

from __future__ import annotations

import pytest

from apps.common.roles import Role
from apps.costs.selectors import NO_COHORT_VENDOR, worklog
from apps.costs.services import build_report, rate_card_create
from apps.items.models import Item
from apps.projects.models import Cohort
from tests.apps.costs.costs_helpers import add_assignment, at

pytestmark = pytest.mark.django_db


def test_decisions_follow_the_review_history(program):
    frame = worklog(project_id=program.project.pk).frame
    rows = program.rows
    decision = frame["review_decision"].to_dict()
    assert decision == {
        rows["A1"].pk: "approved",
        rows["A2"].pk: "approved",
        rows["A3"].pk: "unreviewed",
        rows["A4"].pk: "edited",
        rows["A5"].pk: "pending",
    }
    assert frame.loc[rows["A1"].pk, "n_objects"] == 3
    assert frame.loc[rows["A1"].pk, "class_id"] == program.car.pk  # 2 cars beat 1 person
    assert frame.loc[rows["A2"].pk, "vendor"] == "OpenCrowd"
    assert frame.loc[rows["A1"].pk, "vendor"] == "Acme"


def test_rework_escalation_and_open_reviews(project, make_member):
    car = project.classes.first()
    member = make_member(project, Role.ANNOTATOR)
    items = [Item.objects.create(project=project, width=9, height=9) for _ in range(4)]
    in_rework = add_assignment(
        items[0], member, 0, at(3), [(car, 1)], [("rejected", 0)], cycles=1, status="rework"
    )
    escalated = add_assignment(
        items[1], member, 0, at(3), [(car, 1)], [("escalated", 0), ("pending", 0)]
    )
    rereview = add_assignment(
        items[2], member, 0, at(3), [(car, 1)], [("rejected", 0), ("leased", 1)], cycles=1
    )
    empty = add_assignment(items[3], member, 0, at(3), [], [("approved", 0)])
    log = worklog(project_id=project.pk)
    decision = log.frame["review_decision"].to_dict()
    assert decision[in_rework.pk] == "pending"  # one pass so far, the fix under way
    assert decision[escalated.pk] == "escalated"
    assert decision[rereview.pk] == "pending"
    assert decision[empty.pk] == "approved"
    assert log.frame.loc[empty.pk, "class_id"] == 0 and log.frame.loc[empty.pk, "n_objects"] == 0
    shares = log.class_shares.set_index("assignment_id")
    assert shares.loc[empty.pk, "share"] == 1.0


def test_class_shares_follow_the_objects(program):
    shares = worklog(project_id=program.project.pk).class_shares
    a1 = shares[shares["assignment_id"] == program.rows["A1"].pk].set_index("class_id")["share"]
    assert a1.to_dict() == pytest.approx({program.car.pk: 2 / 3, program.person.pk: 1 / 3})
    assert shares.groupby("assignment_id")["share"].sum().to_numpy() == pytest.approx(1.0)


def test_in_house_hourly_and_cohortless_work(project, make_member):
    car = project.classes.first()
    in_house = Cohort.objects.create(project=project, name="In-house", kind="internal")
    member = make_member(project, Role.ANNOTATOR)
    member.cohort = in_house
    member.save()
    loner = make_member(project, Role.ANNOTATOR)
    loner.cohort = None
    loner.save()
    item = Item.objects.create(project=project, width=9, height=9)
    timed = add_assignment(
        item, member, 0, at(3), [(car, 1)], client_seconds=720.0, server_seconds=1800.0
    )
    untimed = add_assignment(item, loner, 1, at(3), [(car, 1)], server_seconds=360.0)
    frame = worklog(project_id=project.pk).frame
    assert frame.loc[timed.pk, "vendor"] == "In-house"
    assert frame.loc[timed.pk, "annotation_seconds"] == 720.0  # the client's time wins
    assert frame.loc[untimed.pk, "vendor"] == NO_COHORT_VENDOR
    assert frame.loc[untimed.pk, "cohort_id"] == 0
    assert frame.loc[untimed.pk, "annotation_seconds"] == 360.0
    rate_card_create(
        actor=None,
        project_id=project.pk,
        data={"cohort": in_house.pk, "rate_unit": "hour", "rate_amount": 30.0},
    )
    rate_card_create(
        actor=None,
        project_id=project.pk,
        data={"vendor": NO_COHORT_VENDOR, "rate_unit": "label", "rate_amount": 1.0},
    )
    result = build_report(project, {"period": "W", "confidence": 0.9, "remaining_labels": 0})
    vendors = {row["vendor"]: row for row in result["tables"]["by_vendor"]}
    assert vendors["In-house"]["direct_cost"] == pytest.approx(30.0 * 720 / 3600)
    assert vendors[NO_COHORT_VENDOR]["direct_cost"] == 1.0


def test_an_empty_program_reports_zero(project):
    rate_card_create(
        actor=None,
        project_id=project.pk,
        data={"vendor": "Acme", "rate_unit": "label", "rate_amount": 1.0},
    )
    result = build_report(project, {"period": "W", "confidence": 0.9, "remaining_labels": None})
    assert result["totals"]["total_cost"] == 0.0
    assert result["totals"]["cost_per_accepted_label"] is None
    assert result["tables"]["by_class"] == [] and result["counts"]["labels"] == 0
    assert result["budget"] is None and result["forecast"]["budget"] is None
