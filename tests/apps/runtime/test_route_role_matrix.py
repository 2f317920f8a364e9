"""Every API route x every project role: allowed roles get through, the others get a 403.

The expected matrix is each view's declared `access`; a route whose view declares none fails
test_access_rules, and this test checks the declaration is what the server actually enforces.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from apps.active.models import ActiveLearningRound
from apps.analytics.models import QualityReport
from apps.annotations.models import Annotation
from apps.common.permissions import AUTHENTICATED
from apps.common.roles import Role
from apps.items.models import Item, Video
from apps.jobs.models import Job
from apps.projects.models import Annotator
from apps.workflow.models import Alert, Assignment, ClassSla, EscalationRule, QueueSla, Review
from tests.apps.costs.costs_helpers import cost_route_ids
from tests.apps.intake.intake_helpers import intake_route_ids
from tests.apps.runtime.test_access_rules import HTTP_METHODS, PUBLIC, ROUTES

pytestmark = pytest.mark.django_db

CASES = [
    (route, view, method.upper())
    for route, view in ROUTES
    if route not in PUBLIC
    for method in HTTP_METHODS
    if hasattr(view, method)
]


@pytest.fixture
def world(project):
    cls = project.classes.first()
    item = Item.objects.create(project=project, width=10, height=10, file_name="w.jpg")
    members = {}
    for role in Role.values:
        user = get_user_model().objects.create_user(f"matrix-{role}", password="x")
        members[role] = Annotator.objects.create(
            project=project, user=user, role=role, pseudonym=role
        )
    annotation = Annotation.objects.create(
        project=project,
        item=item,
        author=members[Role.ANNOTATOR],
        label_class=cls,
        geometry_type="tag",
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    assignment = Assignment.objects.create(
        project=project,
        item=item,
        slot=0,
        annotator=members[Role.ANNOTATOR],
        status="leased",
        lease_expires_at=timezone.now(),
    )
    review = Review.objects.create(project=project, assignment=assignment)
    rule = EscalationRule.objects.create(project=project, name="r", definition={})
    job = Job.objects.create(project=project, kind="test")
    report = QualityReport.objects.create(project=project)
    queue_sla = QueueSla.objects.create(project=project, queue="review", turnaround_hours=4)
    class_sla = ClassSla.objects.create(project=project, label_class=cls)
    ids = {
        "project_id": project.pk,
        "class_id": cls.pk,
        "item_id": item.pk,
        "annotation_id": annotation.pk,
        "annotator_id": members[Role.ANNOTATOR].pk,
        "assignment_id": assignment.pk,
        "review_id": review.pk,
        "rule_id": rule.pk,
        "sla_id": queue_sla.pk,
        "class_sla_id": class_sla.pk,
        "alert_id": Alert.objects.create(
            project=project, kind="queue_sla", key="k", message="m"
        ).pk,
        "job_id": job.pk,
        "report_id": report.pk,
        "cohort_id": project.cohorts.first().pk,
        "video_id": Video.objects.create(project=project, name="matrix").pk,
        "round_id": ActiveLearningRound.objects.create(
            project=project, strategy="random", batch_size=1, features="image_stats"
        ).pk,
        **cost_route_ids(project),
        **intake_route_ids(project),
    }
    return members, ids


def concrete(route: str, ids: dict[str, int]) -> str:
    return re.sub(r"<id:([a-z_]+)>", lambda m: str(ids[m.group(1)]), route)


@pytest.mark.parametrize(("route", "view", "method"), CASES, ids=[f"{m} {r}" for r, _, m in CASES])
def test_route_enforces_its_declared_roles(world, route, view, method):
    members, ids = world
    allowed = view.access[method]
    url = concrete(route, ids)
    # Denied roles first: an allowed DELETE would otherwise remove the object they are tested on.
    ordered = sorted(
        members.items(), key=lambda pair: allowed is not AUTHENTICATED and pair[0] in allowed
    )
    for role, member in ordered:
        client = APIClient()
        client.force_authenticate(member.user)
        response = getattr(client, method.lower())(url, {}, format="json")
        if allowed is AUTHENTICATED:
            assert response.status_code != 401, (role, method, url)
            continue
        if role in allowed:
            assert response.status_code not in (401, 403), (
                role,
                method,
                url,
                response.content[:200],
            )
            assert response.status_code < 500, (role, method, url)
        else:
            assert response.status_code == 403, (role, method, url, response.status_code)
