"""A small labeling program built with the workflow models, priced by hand in the tests.

Cohort "Vendor A" (vendor Acme) and cohort "Crowd" (vendor OpenCrowd). Weeks start Monday
2026-03-02 and 2026-03-09. Assignments (a = annotator, objects by class, review history):
  A1  a1 (Acme)  item0  2 car + 1 person   approved                        week 1
  A2  a2 (Crowd) item0  1 car              rejected, reworked, approved    week 1
  A3  a1 (Acme)  item1  1 car              not sampled for review          week 2
  A4  a3 (Acme)  item1  2 car              rejected, reworked, edited      week 2
  A5  a2 (Crowd) item2  1 person           waiting for review              week 2
plus a submitted gold assignment (left out) and a leased one (not submitted yet).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from apps.common.roles import Role
from apps.items.models import Item
from apps.projects.models import Cohort
from apps.workflow.models import Assignment
from tests.apps.costs.costs_helpers import ACME_CARD, CROWD_CARD, add_assignment, at


@pytest.fixture
def program(project, make_member):
    car, person = project.classes.order_by("id")
    vendor_a = project.cohorts.get(name="Vendor A")
    crowd = Cohort.objects.create(project=project, name="Crowd", kind="crowd", vendor="OpenCrowd")
    a1, a3 = make_member(project, Role.ANNOTATOR), make_member(project, Role.ANNOTATOR)
    a2 = make_member(project, Role.ANNOTATOR)
    a2.cohort = crowd
    a2.save()
    items = [
        Item.objects.create(project=project, width=100, height=100, file_name=f"c{i}.jpg")
        for i in range(3)
    ]
    gold_item = Item.objects.create(
        project=project, width=100, height=100, file_name="gold.jpg", is_gold=True
    )
    rows = {
        "A1": add_assignment(items[0], a1, 0, at(3), [(car, 2), (person, 1)], [("approved", 0)]),
        "A2": add_assignment(
            items[0], a2, 1, at(4), [(car, 1)], [("rejected", 0), ("approved", 1)], cycles=1
        ),
        "A3": add_assignment(items[1], a1, 0, at(10), [(car, 1)]),
        "A4": add_assignment(
            items[1], a3, 1, at(11), [(car, 2)], [("rejected", 0), ("edited", 1)], cycles=1
        ),
        "A5": add_assignment(items[2], a2, 0, at(12), [(person, 1)], [("pending", 0)]),
    }
    add_assignment(gold_item, a1, None, at(3), [(car, 1)], is_gold=True)
    Assignment.objects.create(project=project, item=items[2], slot=1, annotator=a3, status="leased")
    return SimpleNamespace(
        project=project,
        car=car,
        person=person,
        vendor_a=vendor_a,
        crowd=crowd,
        members=(a1, a2, a3),
        items=items,
        rows=rows,
    )


@pytest.fixture
def finance_client(project, make_member, client_for):
    return client_for(make_member(project, Role.FINANCE, "finance").user)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run the on_commit hooks (the Celery task, eager) of what the block does."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


@pytest.fixture
def priced_program(program, finance_client):
    """The program with the two rate cards and a budget, set through the API."""
    pid = program.project.pk
    for card in ({**ACME_CARD, "cohort": program.vendor_a.pk}, CROWD_CARD):
        response = finance_client.post(
            f"/api/projects/{pid}/costs/rate-cards/", card, format="json"
        )
        assert response.status_code == 201, response.content
    response = finance_client.put(
        f"/api/projects/{pid}/costs/budget/",
        {"amount": 5.0, "per_period_amount": 1.5, "planned_labels": 10, "period": "W"},
        format="json",
    )
    assert response.status_code == 200, response.content
    return program
