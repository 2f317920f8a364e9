"""While a blind inspection is open, reviewers cannot read the sampled items' delivered labels."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.intake.models import Batch, BatchInspection, InspectionItem
from apps.workflow.models import Assignment, Review

pytestmark = pytest.mark.django_db


def test_reviewers_do_not_see_delivered_labels_of_blind_samples(
    project, item, make_member, client_for
):
    author = make_member(project)
    delivered = Annotation.objects.create(
        project=project,
        item=item,
        author=author,
        label_class=project.classes.first(),
        geometry_type="tag",
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    batch = Batch.objects.create(project=project, name="delivery 1", status="sampling")
    inspection = BatchInspection.objects.create(
        batch=batch,
        plan={},
        lot_size=1,
        sample_size=1,
        accept_number=0,
        reject_number=1,
        seed=1,
        review_mode="blind",
    )
    InspectionItem.objects.create(inspection=inspection, item=item)
    submitted = Assignment.objects.create(
        project=project, item=item, slot=0, annotator=author, status="submitted"
    )
    Review.objects.create(project=project, assignment=submitted)
    reviewer = client_for(make_member(project, Role.REVIEWER).user)
    next_review = f"/api/projects/{project.pk}/reviews/next/?queue=review"
    assert reviewer.post(next_review).status_code == 204  # its review waits
    qa = client_for(make_member(project, Role.QA_MANAGER).user)
    url = f"/api/projects/{project.pk}/annotations/"
    assert reviewer.get(url).json()["count"] == 0
    assert reviewer.get(f"/api/annotations/{delivered.pk}/").status_code == 404
    assert qa.get(url).json()["count"] == 1
    inspection.status = "decided"
    inspection.save()
    assert reviewer.get(url).json()["count"] == 1
    served = reviewer.post(next_review)
    assert served.status_code == 200 and served.json()["assignment"] == submitted.pk
