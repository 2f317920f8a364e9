"""Class-SLA IAA is the per-class (one-vs-rest) alpha of the quality report and the QA page,
computed over every class's shapes in the window, so good agreement does not breach."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.analytics.models import QualityReport
from apps.analytics.services import report_params, shard_frames_from_db
from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.items.models import Item
from apps.projects.models import LabelClass
from apps.workflow.models import ClassSla
from labelqc.report import quality_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(project, make_member, client_for):
    return client_for(make_member(project, Role.PROJECT_LEAD).user)


def draw(project, labels: list[list[LabelClass]], make_member) -> None:
    """labels[i][a]: the class annotator a gives the one object on item i (same box for all)."""
    authors = [make_member(project, Role.ANNOTATOR) for _ in labels[0]]
    now = timezone.now()
    for i, row in enumerate(labels):
        item = Item.objects.create(project=project, width=200, height=100, file_name=f"{i}.jpg")
        Annotation.objects.bulk_create(
            Annotation(
                project=project,
                item=item,
                author=author,
                source="human",
                label_class=cls,
                geometry_type="box",
                geometry={"x": 10, "y": 10, "w": 50, "h": 40},
                x=10,
                y=10,
                w=50,
                h=40,
                area=2000,
                created_at=now,
                updated_at=now,
            )
            for author, cls in zip(authors, row, strict=True)
        )


def compliance(lead, project) -> dict[int, dict]:
    response = lead.get(f"/api/projects/{project.pk}/slas/compliance/")
    assert response.status_code == 200, response.content
    return {row["label_class"]: row for row in response.json()["classes"]}


def test_class_iaa_is_the_reports_one_vs_rest_alpha(project, make_member, lead):
    car, person = project.classes.order_by("id")
    bike = LabelClass.objects.create(project=project, name="bike")
    labels = (
        [[car, car, car]] * 5
        + [[person, person, person]] * 4
        + [[bike, bike, bike]] * 3
        + [[car, car, person], [person, car, person], [bike, car, bike], [bike, bike, person]]
    )
    draw(project, labels, make_member)
    for cls in (car, person, bike):
        ClassSla.objects.create(project=project, label_class=cls, iaa_floor=0.8, window_days=7)
    frames = shard_frames_from_db(QualityReport(project=project, filters={}), None)
    report = quality_report(frames, report_params(project, "1D")).to_dict()
    expected = {row["class_id"]: row["alpha"] for row in report["agreement"]["per_class"]}
    assert set(expected) == {car.pk, person.pk, bike.pk}
    # One-vs-rest differs by class here; alpha over one class's shapes alone is undefined.
    assert len({round(a, 6) for a in expected.values()}) == 3

    observed = compliance(lead, project)
    for cls in (car, person, bike):
        assert observed[cls.pk]["observed"]["iaa"] == pytest.approx(expected[cls.pk])
        assert observed[cls.pk]["compliant"]["iaa"] is (expected[cls.pk] >= 0.8)
        assert observed[cls.pk]["reasons"] == {}


def test_near_perfect_agreement_does_not_breach(project, make_member, lead):
    car, person = project.classes.order_by("id")
    # 20 objects, three annotators, one label of one object in dispute.
    labels = [[car, car, person]] + [[car, car, car]] * 9 + [[person, person, person]] * 10
    draw(project, labels, make_member)
    ClassSla.objects.create(project=project, label_class=car, iaa_floor=0.8, window_days=7)
    row = compliance(lead, project)[car.pk]
    # alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k, n = 60 values (29 car,
    # 31 person); the disputed object gives 4 ordered car/person pairs, each 1 / (m - 1) = 1/2.
    assert row["observed"]["iaa"] == pytest.approx(1 - 59 * 2 / (2 * 29 * 31))
    assert row["compliant"]["iaa"] is True
    assert "iaa" not in row["breaches"]


def test_class_nobody_else_drew_has_no_iaa_and_says_why(project, make_member, lead):
    car, person = project.classes.order_by("id")
    draw(project, [[car, car]] * 3, make_member)
    ClassSla.objects.create(project=project, label_class=person, iaa_floor=0.8, window_days=7)
    row = compliance(lead, project)[person.pk]
    assert row["observed"]["iaa"] is None and row["compliant"]["iaa"] is None
    assert row["reasons"] == {"iaa": "no object of this class was drawn by two or more annotators"}
