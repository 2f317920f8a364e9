"""The queue page's class filter matches the assignment's own work, not anyone's labels on its item:
"My submissions" by the member's annotations, "My review decisions" by the reviewed author's."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.items.models import Item
from apps.workflow.models import Assignment, Review

pytestmark = pytest.mark.django_db


def label(project, item, author, cls) -> None:
    now = timezone.now()
    Annotation.objects.create(
        project=project,
        item=item,
        author=author,
        label_class=cls,
        geometry_type="box",
        geometry={"x": 1, "y": 1, "w": 10, "h": 10},
        x=1,
        y=1,
        w=10,
        h=10,
        area=100,
        created_at=now,
        updated_at=now,
    )


def submitted(project, item, member) -> Assignment:
    return Assignment.objects.create(
        project=project,
        item=item,
        annotator=member,
        status="submitted",
        submitted_at=timezone.now(),
    )


def rows(member, project, table, cls) -> list[dict[str, str]]:
    client = Client()
    client.force_login(member.user)
    response = client.get(
        f"/projects/{project.pk}/queue/?label_class={cls.pk}&format=csv&table={table}"
    )
    assert response.status_code == 200, response.content
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def world(project, make_member):
    car, person = project.classes.order_by("id")
    shared, own = (
        Item.objects.create(project=project, width=640, height=480, file_name=f"{n}.jpg")
        for n in ("shared", "own")
    )
    ada, bob = make_member(project), make_member(project)
    reviewer = make_member(project, Role.REVIEWER)
    # On the shared item ada drew only a person; bob drew cars there.
    ada_shared, bob_shared = submitted(project, shared, ada), submitted(project, shared, bob)
    label(project, shared, ada, person)
    label(project, shared, bob, car)
    ada_own = submitted(project, own, ada)
    label(project, own, ada, car)
    reviews = {
        assignment.pk: Review.objects.create(
            project=project,
            assignment=assignment,
            reviewer=reviewer,
            status="approved",
            decided_at=timezone.now(),
        )
        for assignment in (ada_shared, bob_shared, ada_own)
    }
    return {
        "car": car,
        "person": person,
        "ada": ada,
        "reviewer": reviewer,
        "ada_shared": ada_shared,
        "bob_shared": bob_shared,
        "ada_own": ada_own,
        "reviews": reviews,
    }


def test_my_submissions_by_class_ignore_other_annotators_labels(project, world):
    cars = rows(world["ada"], project, "my_submissions", world["car"])
    assert [int(r["id"]) for r in cars] == [world["ada_own"].pk]
    people = rows(world["ada"], project, "my_submissions", world["person"])
    assert [int(r["id"]) for r in people] == [world["ada_shared"].pk]


def test_my_decisions_by_class_match_the_reviewed_authors_labels(project, world):
    cars = rows(world["reviewer"], project, "my_decisions", world["car"])
    expected = {world["reviews"][world[key].pk].pk for key in ("bob_shared", "ada_own")}
    assert {int(r["id"]) for r in cars} == expected
    people = rows(world["reviewer"], project, "my_decisions", world["person"])
    assert [int(r["id"]) for r in people] == [world["reviews"][world["ada_shared"].pk].pk]
